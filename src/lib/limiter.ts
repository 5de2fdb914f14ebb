import type { Redis } from 'ioredis';

export interface LimitState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/** Fixed-window counters keyed by account (login failures, mails per hour), shared through Redis when configured. */
export interface Limiter {
  /** Counts one hit and tells whether it is still within the limit. */
  hit(key: string, limit: number, windowSeconds: number): Promise<LimitState>;
  /** Reads without counting. */
  peek(key: string, limit: number, windowSeconds: number): Promise<LimitState>;
}

const state = (count: number, limit: number, ttlMs: number): LimitState => ({
  allowed: count <= limit,
  limit,
  remaining: Math.max(0, limit - count),
  resetSeconds: Math.max(1, Math.ceil(ttlMs / 1000)),
});

export function createMemoryLimiter(): Limiter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const current = (key: string, windowSeconds: number) => {
    const now = Date.now();
    let w = windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowSeconds * 1000 };
      windows.set(key, w);
    }
    return w;
  };
  return {
    async hit(key, limit, windowSeconds) {
      const w = current(key, windowSeconds);
      w.count++;
      return state(w.count, limit, w.resetAt - Date.now());
    },
    async peek(key, limit, windowSeconds) {
      const w = current(key, windowSeconds);
      return state(w.count + 1, limit, w.resetAt - Date.now());
    },
  };
}

export function createRedisLimiter(redis: Redis, prefix: string): Limiter {
  return {
    async hit(key, limit, windowSeconds) {
      const k = `${prefix}limit:${key}`;
      const [[, count], [, ttl]] = (await redis.multi().incr(k).pttl(k).exec()) as [[null, number], [null, number]];
      if (ttl < 0) await redis.pexpire(k, windowSeconds * 1000);
      return state(count, limit, ttl < 0 ? windowSeconds * 1000 : ttl);
    },
    async peek(key, limit, windowSeconds) {
      const k = `${prefix}limit:${key}`;
      const [[, count], [, ttl]] = (await redis.multi().get(k).pttl(k).exec()) as [[null, string | null], [null, number]];
      return state(Number(count ?? 0) + 1, limit, ttl < 0 ? windowSeconds * 1000 : ttl);
    },
  };
}
