import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { AppError } from '../../lib/errors.js';
import { problems } from '../../lib/schemas.js';
import { pingDatabase } from './health.service.js';

const StatusSchema = Type.Object({ status: Type.Literal('ok') });

export const healthRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  // '' rather than '/': the route is /api/health, not /api/health/.
  app.get('', {
    config: { public: true },
    schema: { tags: ['operations'], summary: 'Liveness: 200 while the process is up', response: { 200: StatusSchema } },
    handler: async () => ({ status: 'ok' as const }),
  });
  app.get('/db', {
    config: { public: true },
    schema: {
      tags: ['operations'],
      summary: 'Readiness: 200 when the database answers, 503 otherwise',
      response: { 200: StatusSchema, ...problems(503) },
    },
    handler: async () => {
      if (!(await pingDatabase(ctx))) throw new AppError(503, 'unavailable', 'The database does not answer');
      return { status: 'ok' as const };
    },
  });
};
