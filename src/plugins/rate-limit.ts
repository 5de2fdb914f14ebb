import rateLimit, { type FastifyRateLimitOptions, type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
// Not in the package's typings, but plain CommonJS modules of it (no exports map): its two stores.
import LocalStore from '@fastify/rate-limit/store/LocalStore.js';
import RedisStore from '@fastify/rate-limit/store/RedisStore.js';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { AppContext } from '../lib/context.js';
import { AppError } from '../lib/errors.js';

/**
 * The global limit is counted in-process, per instance, even with Redis: it is a generous safety net
 * (API.md: "at most a generous global one") and sharing it would add a Redis round trip to every
 * request. The per-route limits of the sensitive endpoints (login, register, ...) are shared through
 * Redis when it is configured, so they hold across instances (decision 120).
 */
type StoreOptions = FastifyRateLimitOptions & { continueExceeding?: boolean; exponentialBackoff?: boolean };

function localGlobalRedisRoutes(redis: Redis, nameSpace: string): FastifyRateLimitStoreCtor {
  return class {
    private readonly local: LocalStore;
    constructor(params: StoreOptions) {
      this.local = new LocalStore(params.continueExceeding ?? false, params.exponentialBackoff ?? false);
    }
    incr(...args: Parameters<FastifyRateLimitStore['incr']>) {
      this.local.incr(...args);
    }
    child(routeOptions: StoreOptions) {
      const shared = new RedisStore(routeOptions.continueExceeding ?? false, routeOptions.exponentialBackoff ?? false, redis, nameSpace);
      return shared.child(routeOptions) as unknown as FastifyRateLimitStore;
    }
  };
}

/** Per-IP limits: a generous global one, tighter ones set per route (config.rateLimit). */
async function rateLimitPlugin(app: FastifyInstance, { ctx, prefix }: { ctx: AppContext; prefix: string }) {
  const nameSpace = `${prefix}ip:`;
  await app.register(rateLimit, {
    global: true,
    max: ctx.config.rateLimits.globalPerMinute,
    timeWindow: '1 minute',
    nameSpace,
    ...(ctx.redis ? { store: localGlobalRedisRoutes(ctx.redis, nameSpace) } : {}),
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, context) =>
      new AppError(429, 'rate_limited', `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`, undefined, {
        'retry-after': String(Math.ceil(context.ttl / 1000)),
      }),
  });
}

export default fp(rateLimitPlugin, { name: 'rate-limit' });
