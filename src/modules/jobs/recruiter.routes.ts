import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { pageSchema } from '../../lib/pagination.js';
import { POSTER_ROLES, problems } from '../../lib/schemas.js';
import { actorOf } from '../../plugins/auth.js';
import {
  AnalyticsQuerySchema,
  AnalyticsSchema,
  RecruiterJobSchema,
  RecruiterJobsQuerySchema,
  SummaryQuerySchema,
  SummarySchema,
} from './recruiter.schemas.js';
import { applicationsSummary, listRecruiterJobs, recruiterAnalytics } from './recruiter.service.js';

const tags = ['recruiter'];
// The dashboard serves the roles that may post jobs (API.md); a student gets 403.
const config = { roles: POSTER_ROLES };

export const recruiterRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/jobs', {
    config,
    schema: {
      tags,
      summary: 'Your jobs (open and closed), newest first, with applications by status',
      querystring: RecruiterJobsQuerySchema,
      response: { 200: pageSchema(RecruiterJobSchema), ...problems(400, 401, 403) },
    },
    handler: async (request) => listRecruiterJobs(ctx, actorOf(request), request.query),
  });

  app.get('/analytics', {
    config,
    schema: {
      tags,
      summary: 'Views, applications, conversion, median time to first response and status breakdown, per job and in total',
      querystring: AnalyticsQuerySchema,
      response: { 200: AnalyticsSchema, ...problems(400, 401, 403) },
    },
    handler: async (request) => recruiterAnalytics(ctx, actorOf(request), request.query),
  });

  app.get('/applications/summary', {
    config,
    schema: {
      tags,
      summary: 'Applications to your jobs by status, and received per day or week over the last `days` days',
      querystring: SummaryQuerySchema,
      response: { 200: SummarySchema, ...problems(400, 401, 403) },
    },
    handler: async (request) => applicationsSummary(ctx, actorOf(request), request.query),
  });
};
