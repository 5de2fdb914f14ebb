import type { AppContext } from '../../lib/context.js';

/**
 * A small cache for values derived from every listed profile (facets, search counts), exact despite
 * caching: each value is stored with the "profiles generation" it was computed under, every profile
 * write bumps the generation, and a value from an older generation is never served. In Redis when
 * configured (shared by every instance: one MGET per read), otherwise in this process. Entries also
 * expire after their TTL, which bounds staleness from writes this module does not see (an account
 * deleted by the auth module). See docs/decisions/010-profile-listing-cache.md.
 */
interface Entry {
  value: unknown;
  generation: number;
  expires: number;
}
interface LocalState {
  generation: number;
  entries: Map<string, Entry>;
  inflight: Map<string, Promise<unknown>>;
}
const MAX_LOCAL_ENTRIES = 5000;
const states = new WeakMap<AppContext, LocalState>();
const stateOf = (ctx: AppContext) => {
  let state = states.get(ctx);
  if (!state) states.set(ctx, (state = { generation: 0, entries: new Map(), inflight: new Map() }));
  return state;
};
const prefix = (ctx: AppContext) => `${ctx.redisPrefix ?? 'cohort:'}profiles:`;

export async function cached<T>(ctx: AppContext, key: string, ttlSeconds: number, compute: () => Promise<T>): Promise<T> {
  if (ctx.redis) return cachedInRedis(ctx, key, ttlSeconds, compute);
  const state = stateOf(ctx);
  const hit = state.entries.get(key);
  if (hit && hit.generation === state.generation && hit.expires > Date.now()) return hit.value as T;
  // One computation per key at a time; a write while it runs makes its result unservable.
  const running = state.inflight.get(key);
  if (running) return running as Promise<T>;
  const generation = state.generation;
  const work = compute().finally(() => state.inflight.delete(key));
  state.inflight.set(key, work);
  const value = await work;
  if (state.generation === generation) {
    if (state.entries.size >= MAX_LOCAL_ENTRIES) state.entries.clear();
    state.entries.set(key, { value, generation, expires: Date.now() + ttlSeconds * 1000 });
  }
  return value;
}

async function cachedInRedis<T>(ctx: AppContext, key: string, ttlSeconds: number, compute: () => Promise<T>): Promise<T> {
  const redis = ctx.redis!;
  const [generation, stored] = await redis.mget(`${prefix(ctx)}generation`, `${prefix(ctx)}cache:${key}`).catch((err) => {
    ctx.log.warn({ err }, 'profile cache unavailable');
    return [null, null];
  });
  const current = Number(generation ?? 0);
  if (stored) {
    const entry = JSON.parse(stored) as { g: number; v: T };
    if (entry.g === current) return entry.v;
  }
  const value = await compute();
  await redis.set(`${prefix(ctx)}cache:${key}`, JSON.stringify({ g: current, v: value }), 'EX', ttlSeconds).catch(() => {});
  return value;
}

/** After every committed profile write: values computed before it are never served again. */
export async function bumpProfilesGeneration(ctx: AppContext) {
  const state = stateOf(ctx);
  state.generation++;
  state.inflight.clear();
  if (ctx.redis)
    await ctx.redis.incr(`${prefix(ctx)}generation`).catch((err) => ctx.log.warn({ err }, 'could not invalidate the profile cache'));
}
