import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../lib/context.js';
import { PageQuerySchema, pageSchema } from '../../lib/pagination.js';
import { problems } from '../../lib/schemas.js';
import { actorOf } from '../../plugins/auth.js';
import { createGoal, deleteGoal, listGoals, updateGoal } from './goals.service.js';
import {
  CancelBodySchema,
  CreateGoalBodySchema,
  FeedbackBodySchema,
  GoalParamsSchema,
  GoalSchema,
  MentorshipParamsSchema,
  NotesBodySchema,
  ScheduleBodySchema,
  SessionListQuerySchema,
  SessionParamsSchema,
  SessionSchema,
  UpdateGoalBodySchema,
  UpdateSessionBodySchema,
} from './mentorship.schemas.js';
import {
  cancelSession,
  completeSession,
  listSessions,
  saveSessionNotes,
  scheduleSession,
  submitFeedback,
  updateSession,
} from './sessions.service.js';

const tags = ['mentorship sessions'];
const session = { params: SessionParamsSchema, response: { 200: SessionSchema, ...problems(400, 401, 403, 404, 409) } };

export const sessionsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post('/:mentorship_id/schedule', {
    schema: {
      tags,
      summary: 'Schedule a session of an active mentorship (either participant)',
      params: MentorshipParamsSchema,
      body: ScheduleBodySchema,
      response: { 201: SessionSchema, ...problems(400, 401, 404, 409) },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await scheduleSession(ctx, actorOf(request), request.params.mentorship_id, request.body)),
  });

  app.get('/sessions', {
    schema: {
      tags,
      summary: 'Your sessions (as mentor or mentee); when=upcoming soonest first, otherwise latest first',
      querystring: SessionListQuerySchema,
      response: { 200: pageSchema(SessionSchema), ...problems(400, 401) },
    },
    handler: async (request) => listSessions(ctx, actorOf(request), request.query),
  });

  app.put('/sessions/:session_id', {
    schema: { ...session, tags, summary: 'Reschedule or edit a scheduled session (either participant)', body: UpdateSessionBodySchema },
    handler: async (request) => updateSession(ctx, actorOf(request), request.params.session_id, request.body),
  });

  app.post('/sessions/:session_id/cancel', {
    schema: { ...session, tags, summary: 'Cancel a scheduled session (either participant)', body: CancelBodySchema },
    handler: async (request) => cancelSession(ctx, actorOf(request), request.params.session_id),
  });

  app.post('/sessions/:session_id/complete', {
    schema: { ...session, tags, summary: 'Mark a session held (either participant, after its start time)' },
    handler: async (request) => completeSession(ctx, actorOf(request), request.params.session_id),
  });

  app.post('/sessions/:session_id/feedback', {
    schema: { ...session, tags, summary: "The mentee's rating (1–5) and feedback on a completed session, once", body: FeedbackBodySchema },
    handler: async (request) => submitFeedback(ctx, actorOf(request), request.params.session_id, request.body),
  });

  app.put('/sessions/:session_id/notes', {
    schema: { ...session, tags, summary: "The mentor's private notes on a session (never shown to the mentee)", body: NotesBodySchema },
    handler: async (request) => saveSessionNotes(ctx, actorOf(request), request.params.session_id, request.body.notes),
  });

  app.get('/:mentorship_id/goals', {
    schema: {
      tags: ['mentorship goals'],
      summary: "The pair's goals, oldest first",
      params: MentorshipParamsSchema,
      querystring: PageQuerySchema,
      response: { 200: pageSchema(GoalSchema), ...problems(400, 401, 404) },
    },
    handler: async (request) => listGoals(ctx, actorOf(request), request.params.mentorship_id, request.query),
  });

  app.post('/:mentorship_id/goals', {
    schema: {
      tags: ['mentorship goals'],
      summary: 'Add a goal (either participant)',
      params: MentorshipParamsSchema,
      body: CreateGoalBodySchema,
      response: { 201: GoalSchema, ...problems(400, 401, 404) },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await createGoal(ctx, actorOf(request), request.params.mentorship_id, request.body)),
  });

  app.put('/goals/:goal_id', {
    schema: {
      tags: ['mentorship goals'],
      summary: 'Change a goal: title, description, status open/achieved (either participant)',
      params: GoalParamsSchema,
      body: UpdateGoalBodySchema,
      response: { 200: GoalSchema, ...problems(400, 401, 404) },
    },
    handler: async (request) => updateGoal(ctx, actorOf(request), request.params.goal_id, request.body),
  });

  app.delete('/goals/:goal_id', {
    schema: {
      tags: ['mentorship goals'],
      summary: 'Remove a goal (either participant)',
      params: GoalParamsSchema,
      response: { 204: Type.Null(), ...problems(400, 401, 404) },
    },
    handler: async (request, reply) => {
      await deleteGoal(ctx, actorOf(request), request.params.goal_id);
      return reply.code(204).send(null);
    },
  });
};
