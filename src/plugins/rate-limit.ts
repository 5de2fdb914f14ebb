import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppContext } from '../lib/context.js';
import { AppError } from '../lib/errors.js';

/** Per-IP limits: a generous global one, tighter ones set per route (config.rateLimit). Shared via Redis when configured. */
async function rateLimitPlugin(app: FastifyInstance, { ctx, prefix }: { ctx: AppContext; prefix: string }) {
  await app.register(rateLimit, {
    global: true,
    max: ctx.config.rateLimits.globalPerMinute,
    timeWindow: '1 minute',
    nameSpace: `${prefix}ip:`,
    ...(ctx.redis ? { redis: ctx.redis } : {}),
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, context) =>
      new AppError(429, 'rate_limited', `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`, undefined, {
        'retry-after': String(Math.ceil(context.ttl / 1000)),
      }),
  });
}

export default fp(rateLimitPlugin, { name: 'rate-limit' });
