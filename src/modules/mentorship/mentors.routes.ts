import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { countedPageSchema } from '../../lib/pagination.js';
import { problems, type Role } from '../../lib/schemas.js';
import { actorOf } from '../../plugins/auth.js';
import {
  AvailabilityBodySchema,
  MentorDetailSchema,
  MentorListQuerySchema,
  MentorParamsSchema,
  MentorSchema,
  RegisterMentorBodySchema,
  UpdateMentorBodySchema,
} from './mentorship.schemas.js';
import { getMentor, listMentors, registerMentor, updateAvailability, updateMentor } from './mentors.service.js';

const tags = ['mentors'];
// Alumni and faculty mentor (docs/decisions/060-mentorship-roles.md).
export const MENTOR_ROLES = ['alumni', 'faculty'] as const satisfies readonly Role[];

export const mentorsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post('/register', {
    config: { roles: MENTOR_ROLES },
    schema: {
      tags,
      summary: 'Become a mentor (alumni, faculty); once per person',
      body: RegisterMentorBodySchema,
      response: { 201: MentorSchema, ...problems(400, 401, 403, 409) },
    },
    handler: async (request, reply) => reply.code(201).send(await registerMentor(ctx, actorOf(request), request.body)),
  });

  app.put('/availability', {
    config: { roles: MENTOR_ROLES },
    schema: {
      tags,
      summary: 'Open or close yourself to new requests',
      body: AvailabilityBodySchema,
      response: { 200: MentorSchema, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => updateAvailability(ctx, actorOf(request), request.body),
  });

  app.put('/profile', {
    config: { roles: MENTOR_ROLES },
    schema: {
      tags,
      summary: 'Change your mentor profile; only the fields sent change',
      body: UpdateMentorBodySchema,
      response: { 200: MentorSchema, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request) => updateMentor(ctx, actorOf(request), request.body),
  });

  app.get('/', {
    schema: {
      tags,
      summary: 'Mentors (available ones by default), by rating then id, filtered by expertise, rating, name, department',
      querystring: MentorListQuerySchema,
      response: { 200: countedPageSchema(MentorSchema), ...problems(400, 401) },
    },
    handler: async (request) => listMentors(ctx, actorOf(request), request.query),
  });

  app.get('/:mentor_id', {
    schema: {
      tags,
      summary: 'A mentor with stats (mentees now, sessions completed, rating, answer rate)',
      params: MentorParamsSchema,
      response: { 200: MentorDetailSchema, ...problems(400, 401, 404) },
    },
    handler: async (request) => getMentor(ctx, actorOf(request), request.params.mentor_id),
  });
};
