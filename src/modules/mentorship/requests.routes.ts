import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { PageQuerySchema, pageSchema } from '../../lib/pagination.js';
import { problems, type Role } from '../../lib/schemas.js';
import { actorOf } from '../../plugins/auth.js';
import { matchSuggestions } from './matching.service.js';
import {
  CreateRequestBodySchema,
  EndBodySchema,
  MatchBodySchema,
  MatchListSchema,
  MentorshipParamsSchema,
  MentorshipSchema,
  RejectBodySchema,
  RequestListQuerySchema,
  RequestParamsSchema,
  RequestSchema,
} from './mentorship.schemas.js';
import { MENTOR_ROLES } from './mentors.routes.js';
import {
  acceptRequest,
  createRequest,
  endMentorship,
  listActiveMentorships,
  listReceivedRequests,
  listSentRequests,
  rejectRequest,
} from './requests.service.js';

const tags = ['mentorship'];
// Students ask, and alumni may ask other mentors (docs/decisions/060-mentorship-roles.md).
export const MENTEE_ROLES = ['student', 'alumni'] as const satisfies readonly Role[];

export const requestsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post('/request', {
    config: { roles: MENTEE_ROLES },
    schema: {
      tags,
      summary: 'Ask a mentor (students, alumni); one pending request per mentor',
      body: CreateRequestBodySchema,
      response: { 201: RequestSchema, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => reply.code(201).send(await createRequest(ctx, actorOf(request), request.body)),
  });

  app.post('/:request_id/accept', {
    config: { roles: MENTOR_ROLES },
    schema: {
      tags,
      summary: 'Accept a request addressed to you: opens a mentorship (409 capacity_full when you are full)',
      params: RequestParamsSchema,
      response: { 200: RequestSchema, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request) => acceptRequest(ctx, actorOf(request), request.params.request_id),
  });

  app.post('/:request_id/reject', {
    config: { roles: MENTOR_ROLES },
    schema: {
      tags,
      summary: 'Reject a request addressed to you, with a reason the member can read',
      params: RequestParamsSchema,
      body: RejectBodySchema,
      response: { 200: RequestSchema, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request) => rejectRequest(ctx, actorOf(request), request.params.request_id, request.body),
  });

  app.get('/requests/received', {
    config: { roles: MENTOR_ROLES },
    schema: {
      tags,
      summary: 'Requests addressed to you, newest first',
      querystring: RequestListQuerySchema,
      response: { 200: pageSchema(RequestSchema), ...problems(400, 401, 403) },
    },
    handler: async (request) => listReceivedRequests(ctx, actorOf(request), request.query),
  });

  app.get('/requests/sent', {
    config: { roles: MENTEE_ROLES },
    schema: {
      tags,
      summary: 'Requests you sent, newest first',
      querystring: RequestListQuerySchema,
      response: { 200: pageSchema(RequestSchema), ...problems(400, 401, 403) },
    },
    handler: async (request) => listSentRequests(ctx, actorOf(request), request.query),
  });

  app.get('/active', {
    schema: {
      tags,
      summary: 'Your active mentorships, as mentor or mentee, newest first',
      querystring: PageQuerySchema,
      response: { 200: pageSchema(MentorshipSchema), ...problems(400, 401) },
    },
    handler: async (request) => listActiveMentorships(ctx, actorOf(request), request.query),
  });

  app.post('/:mentorship_id/end', {
    schema: {
      tags,
      summary: 'End an active mentorship (either side); frees the seat and cancels sessions still ahead',
      params: MentorshipParamsSchema,
      body: EndBodySchema,
      response: { 200: MentorshipSchema, ...problems(400, 401, 404, 409) },
    },
    handler: async (request) => endMentorship(ctx, actorOf(request), request.params.mentorship_id, request.body),
  });

  app.post('/match-suggestions', {
    config: { roles: MENTEE_ROLES },
    schema: {
      tags,
      summary: 'Mentors ranked for you, with a score in [0, 1] and the reasons',
      body: MatchBodySchema,
      response: { 200: MatchListSchema, ...problems(400, 401, 403) },
    },
    handler: async (request) => matchSuggestions(ctx, actorOf(request), request.body),
  });
};
