import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../lib/context.js';
import { problems } from '../lib/schemas.js';
import { forbidden, unauthenticated } from '../lib/errors.js';
import { authenticate } from '../modules/auth/auth.service.js';

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Prometheus metrics at /api/metrics: HTTP by route and status, the database pool, the job queues. */
async function metricsPlugin(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, ctx.pool.totalCount);
      this.set({ state: 'idle' }, ctx.pool.idleCount);
      this.set({ state: 'waiting' }, ctx.pool.waitingCount);
    },
  });
  new Gauge({
    name: 'job_queue_depth',
    help: 'Jobs waiting per queue',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const { rows } = await ctx.pool.query<{ name: string; n: number }>(
        `SELECT name, count(*)::int AS n FROM pgboss.job WHERE state IN ('created', 'retry') GROUP BY name`,
      );
      this.reset();
      for (const row of rows) this.set({ queue: row.name }, row.n);
    },
  });

  app.addHook('onResponse', (request, reply, done) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });

  const schema = {
    tags: ['operations'],
    summary: 'Prometheus metrics (admin or METRICS_TOKEN)',
    // Sent as text in the Prometheus exposition format, never serialized as JSON.
    response: { 200: Type.String({ description: 'Prometheus text exposition format 0.0.4' }), ...problems(401, 403) },
  };
  app.get('/api/metrics', { config: { public: true }, schema }, async (request, reply) => {
    const token = request.headers.authorization?.replace(/^Bearer /i, '');
    if (!token) throw unauthenticated();
    if (!(ctx.config.metricsToken && sameSecret(token, ctx.config.metricsToken))) {
      const actor = await authenticate(ctx, token);
      if (actor.role !== 'admin') throw forbidden();
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

export default fp(metricsPlugin, { name: 'metrics' });
