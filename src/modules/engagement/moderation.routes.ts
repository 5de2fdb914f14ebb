import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { pageSchema } from '../../lib/pagination.js';
import { problems } from '../../lib/schemas.js';
import { actorOf } from '../../plugins/auth.js';
import {
  ContentParamsSchema,
  FlaggedItemSchema,
  FlaggedQuerySchema,
  ModerateBodySchema,
  ModerationResultSchema,
} from './engagement.schemas.js';
import { listFlagged, moderateContent, removeContent } from './engagement.moderation.js';

const tags = ['moderation'];
const config = { roles: ['admin'] as const };

/** The admin console's moderation queue over every registered content type (mounted at /api/admin/content). */
export const moderationRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/flagged', {
    config,
    schema: {
      tags,
      summary: 'Reported items, one entry per item with report count, reasons and a preview, oldest first (admins)',
      querystring: FlaggedQuerySchema,
      response: { 200: pageSchema(FlaggedItemSchema), ...problems(400, 401, 403) },
    },
    handler: async (request) => listFlagged(ctx, request.query),
  });

  app.post('/moderate', {
    config,
    schema: {
      tags,
      summary: 'Decide on an item: approve (dismiss reports, show it) or reject (hide it, tell the author); audited (admins)',
      body: ModerateBodySchema,
      response: { 200: ModerationResultSchema, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => moderateContent(ctx, actorOf(request), { ...request.body, ip: request.ip }),
  });

  app.delete('/:type/:id', {
    config,
    schema: {
      tags,
      summary: 'Remove an item of any registered content type; its reports close, its author is told; audited (admins)',
      params: ContentParamsSchema,
      response: { 204: Type.Null(), ...problems(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      await removeContent(ctx, actorOf(request), request.params.type, request.params.id, request.ip);
      return reply.code(204).send(null);
    },
  });
};
