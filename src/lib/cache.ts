import { createHash } from 'node:crypto';
import type { AppContext } from './context.js';

/**
 * A small cache for values derived from a whole table (facets, list counts), exact despite caching:
 * each value is stored with the generation of its namespace ("profiles", "jobs") it was computed
 * under, every committed write to that data bumps the generation, and a value from an older
 * generation is never served. In Redis when configured (shared by every instance: one MGET per
 * read), otherwise in this process. Entries also expire after their TTL, which bounds staleness from
 * changes no write announces (an account deleted by another module, a job deadline passing).
 * See docs/decisions/010-profile-listing-cache.md.
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
const states = new WeakMap<AppContext, Map<string, LocalState>>();
const stateOf = (ctx: AppContext, namespace: string) => {
  let byNamespace = states.get(ctx);
  if (!byNamespace) states.set(ctx, (byNamespace = new Map()));
  let state = byNamespace.get(namespace);
  if (!state) byNamespace.set(namespace, (state = { generation: 0, entries: new Map(), inflight: new Map() }));
  return state;
};
const prefix = (ctx: AppContext, namespace: string) => `${ctx.redisPrefix ?? 'cohort:'}${namespace}:`;

export async function cachedIn<T>(
  ctx: AppContext,
  namespace: string,
  key: string,
  ttlSeconds: number,
  compute: () => Promise<T>,
): Promise<T> {
  if (ctx.redis) return cachedInRedis(ctx, namespace, key, ttlSeconds, compute);
  const state = stateOf(ctx, namespace);
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

async function cachedInRedis<T>(
  ctx: AppContext,
  namespace: string,
  key: string,
  ttlSeconds: number,
  compute: () => Promise<T>,
): Promise<T> {
  const redis = ctx.redis!;
  const [generation, stored] = await redis
    .mget(`${prefix(ctx, namespace)}generation`, `${prefix(ctx, namespace)}cache:${key}`)
    .catch((err) => {
      ctx.log.warn({ err, namespace }, 'cache unavailable');
      return [null, null];
    });
  const current = Number(generation ?? 0);
  if (stored) {
    const entry = JSON.parse(stored) as { g: number; v: T };
    if (entry.g === current) return entry.v;
  }
  const value = await compute();
  await redis.set(`${prefix(ctx, namespace)}cache:${key}`, JSON.stringify({ g: current, v: value }), 'EX', ttlSeconds).catch(() => {});
  return value;
}

/** After every committed write to the namespace's data: values computed before it are never served again. */
export async function bumpGeneration(ctx: AppContext, namespace: string) {
  const state = stateOf(ctx, namespace);
  state.generation++;
  state.inflight.clear();
  if (ctx.redis)
    await ctx.redis
      .incr(`${prefix(ctx, namespace)}generation`)
      .catch((err) => ctx.log.warn({ err, namespace }, 'could not invalidate the cache'));
}

/**
 * The cache key of a list's count: its filters only (not limit or cursor), trimmed, blank ones
 * dropped, in a fixed order, hashed so a long query string makes a short key.
 */
export function countKeyOf(query: object) {
  const filters = Object.entries(query)
    .filter(([k, v]) => k !== 'limit' && k !== 'cursor' && typeof v === 'string' && v.trim())
    .map(([k, v]) => [k, (v as string).trim()])
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `count:${createHash('sha256').update(JSON.stringify(filters)).digest('base64url')}`;
}
