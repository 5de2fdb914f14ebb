import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Readable } from 'node:stream';
import type { AppContext } from '../../lib/context.js';
import { problems } from '../../lib/schemas.js';
import { actorOf } from '../../plugins/auth.js';
import { auditRoutes } from '../audit/audit.routes.js';
import { adminUsersRoutes } from './admin.users.routes.js';
import { analyticsRoutes } from './analytics.routes.js';
import { ChartsQuerySchema, ChartsSchema, MetricsSchema } from './dashboard.schemas.js';
import { dashboardCharts, dashboardMetrics } from './dashboard.service.js';
import { reportNames, reportStream } from './reports.service.js';
import { settingsRoutes } from './settings.routes.js';

const admin = { roles: ['admin'] as const };
const tags = ['admin'];

const dashboardRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/dashboard/metrics', {
    config: admin,
    schema: {
      tags,
      summary: 'Key figures with their change over 30 days (at most a few seconds old)',
      response: { 200: MetricsSchema, ...problems(401, 403) },
    },
    handler: async () => dashboardMetrics(ctx),
  });

  app.get('/dashboard/charts', {
    config: admin,
    schema: {
      tags,
      summary: 'Time series per day, week or month (UTC); empty buckets are zeros',
      querystring: ChartsQuerySchema,
      response: { 200: ChartsSchema, ...problems(400, 401, 403) },
    },
    handler: async (request) => dashboardCharts(ctx, request.query),
  });

  app.get('/reports/:name', {
    config: admin,
    schema: {
      tags,
      summary: `A table as CSV (formula injection neutralized): ${reportNames.map((n) => `${n}.csv`).join(', ')}`,
      params: Type.Object({ name: Type.String({ pattern: '^[a-z-]+\\.csv$' }) }),
      produces: ['text/csv'],
      response: { 200: Type.Unsafe<Readable>({ type: 'string', description: 'text/csv' }), ...problems(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      const name = request.params.name.replace(/\.csv$/, '');
      const stream = await reportStream(ctx, actorOf(request), name);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(stream);
    },
  });
};

/** The admin console: dashboard, audit log, users, settings, reports (/api/admin) and analytics (/api/analytics). */
export const adminConsoleRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  await app.register(dashboardRoutes, { prefix: '/api/admin', ctx });
  await app.register(auditRoutes, { prefix: '/api/admin', ctx });
  await app.register(adminUsersRoutes, { prefix: '/api/admin', ctx });
  await app.register(settingsRoutes, { prefix: '/api/admin', ctx });
  await app.register(analyticsRoutes, { prefix: '/api/analytics', ctx });
};
