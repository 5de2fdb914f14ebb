import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { problems } from '../../lib/schemas.js';
import { MentorshipStatsSchema, mentorshipStats } from './mentorship.analytics.js';
import { mentorsRoutes } from './mentors.routes.js';
import { requestsRoutes } from './requests.routes.js';
import { sessionsRoutes } from './sessions.routes.js';

/** The whole module under its three prefixes, so app.ts registers it with one line. */
export const mentorshipModule: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  await app.register(mentorsRoutes, { prefix: '/api/mentors', ctx });
  await app.register(requestsRoutes, { prefix: '/api/mentorship', ctx });
  await app.register(sessionsRoutes, { prefix: '/api/mentorship', ctx });
  await app.register(mentorshipAnalyticsRoutes, { prefix: '/api/analytics', ctx });
};

export const mentorshipAnalyticsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/mentorship-stats', {
    config: { roles: ['admin', 'faculty'] },
    schema: {
      tags: ['analytics'],
      summary: 'Mentorship programme figures: requests, acceptance rate, median time to answer, sessions, average rating',
      response: { 200: MentorshipStatsSchema, ...problems(401, 403) },
    },
    handler: async () => mentorshipStats(ctx),
  });
};
