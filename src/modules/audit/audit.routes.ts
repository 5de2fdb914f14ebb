import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { pageSchema } from '../../lib/pagination.js';
import { problems } from '../../lib/schemas.js';
import { AuditEntrySchema, AuditQuerySchema } from './audit.schemas.js';
import { listAuditLog } from './audit.service.js';

// Read-only on purpose: no route changes the audit log (the table refuses it too).
export const auditRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/audit-log', {
    config: { roles: ['admin'] },
    schema: {
      tags: ['admin'],
      summary: 'Admin actions, newest first (filters: admin, action type, target, date range)',
      querystring: AuditQuerySchema,
      response: { 200: pageSchema(AuditEntrySchema), ...problems(400, 401, 403) },
    },
    handler: async (request) => listAuditLog(ctx, request.query),
  });
};
