import { bumpGeneration, cachedIn } from '../../lib/cache.js';
import type { AppContext } from '../../lib/context.js';

/** Facets and search counts, invalidated by every profile write (see src/lib/cache.ts). */
export const cached = <T>(ctx: AppContext, key: string, ttlSeconds: number, compute: () => Promise<T>) =>
  cachedIn(ctx, 'profiles', key, ttlSeconds, compute);
export const bumpProfilesGeneration = (ctx: AppContext) => bumpGeneration(ctx, 'profiles');
