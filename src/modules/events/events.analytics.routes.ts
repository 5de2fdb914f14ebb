import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { problems } from '../../lib/schemas.js';
import { eventParticipation } from './events.analytics.js';
import { ParticipationQuerySchema, ParticipationSchema } from './events.schemas.js';

/** Mounted at /api/analytics (the admin console's other analytics live beside it). */
export const eventsAnalyticsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/event-participation', {
    config: { roles: ['admin', 'faculty'] },
    schema: {
      tags: ['analytics'],
      summary: 'RSVPs against capacity by event type (admins and faculty)',
      querystring: ParticipationQuerySchema,
      response: { 200: ParticipationSchema, ...problems(400, 401, 403) },
    },
    handler: async (request) => eventParticipation(ctx, request.query),
  });
};
