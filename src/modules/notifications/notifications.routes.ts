import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../lib/context.js';
import { pageSchema } from '../../lib/pagination.js';
import { problems } from '../../lib/schemas.js';
import { actorOf } from '../../plugins/auth.js';
import { broadcast } from './notifications.broadcast.js';
import {
  BroadcastAcceptedSchema,
  BroadcastBodySchema,
  ListQuerySchema,
  NotificationParamsSchema,
  NotificationSchema,
  PreferencesBodySchema,
  PreferencesSchema,
  ReadAllSchema,
  UnreadCountSchema,
} from './notifications.schemas.js';
import {
  deleteNotification,
  getPreferences,
  listNotifications,
  markAllRead,
  markRead,
  unreadCount,
  updatePreferences,
} from './notifications.service.js';

const tags = ['notifications'];

/** /api/notifications (the stream is in src/plugins/realtime.ts). */
export const notificationsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/', {
    schema: {
      tags,
      summary: "The caller's notifications, newest first",
      querystring: ListQuerySchema,
      response: { 200: pageSchema(NotificationSchema), ...problems(400, 401) },
    },
    handler: async (request) => listNotifications(ctx, actorOf(request), request.query),
  });

  app.get('/unread-count', {
    schema: { tags, summary: 'How many of the caller’s notifications are unread', response: { 200: UnreadCountSchema, ...problems(401) } },
    handler: async (request) => unreadCount(ctx, actorOf(request)),
  });

  app.put('/read-all', {
    schema: { tags, summary: 'Mark every notification of the caller read', response: { 200: ReadAllSchema, ...problems(401) } },
    handler: async (request) => markAllRead(ctx, actorOf(request)),
  });

  app.get('/preferences', {
    schema: {
      tags,
      summary: 'The caller’s notification preferences, every type spelled out',
      response: { 200: PreferencesSchema, ...problems(401) },
    },
    handler: async (request) => getPreferences(ctx, actorOf(request)),
  });

  app.put('/preferences', {
    schema: {
      tags,
      summary: 'Change preferences (partial; per-type flags merge; unknown types are 400)',
      body: PreferencesBodySchema,
      response: { 200: PreferencesSchema, ...problems(400, 401) },
    },
    handler: async (request) => updatePreferences(ctx, actorOf(request), request.body),
  });

  app.put('/:notification_id/read', {
    schema: {
      tags,
      summary: 'Mark one notification read (404 unless it is the caller’s)',
      params: NotificationParamsSchema,
      response: { 200: NotificationSchema, ...problems(400, 401, 404) },
    },
    handler: async (request) => markRead(ctx, actorOf(request), request.params.notification_id),
  });

  app.delete('/:notification_id', {
    schema: {
      tags,
      summary: 'Delete one notification (404 unless it is the caller’s)',
      params: NotificationParamsSchema,
      response: { 204: Type.Null(), ...problems(400, 401, 404) },
    },
    handler: async (request, reply) => {
      await deleteNotification(ctx, actorOf(request), request.params.notification_id);
      return reply.code(204).send(null);
    },
  });
};

/** /api/admin/notifications */
export const adminNotificationsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post('/broadcast', {
    config: { roles: ['admin'] },
    schema: {
      tags,
      summary: 'Announce to an audience (roles, batch years, departments); written in batches by a job',
      body: BroadcastBodySchema,
      response: { 202: BroadcastAcceptedSchema, ...problems(400, 401, 403) },
    },
    handler: async (request, reply) => reply.status(202).send(await broadcast(ctx, actorOf(request), { ...request.body, ip: request.ip })),
  });
};
