import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../lib/context.js';
import { countedPageSchema } from '../../lib/pagination.js';
import { problems } from '../../lib/schemas.js';
import { actorOf } from '../../plugins/auth.js';
import { changeUser, deleteUser, getUserDetail, listUsers } from '../auth/auth.admin.js';
import {
  AdminUserDetailSchema,
  AdminUserSchema,
  UserChangeBodySchema,
  UserListQuerySchema,
  UserParamsSchema,
} from './admin.users.schemas.js';

const admin = { roles: ['admin'] as const };
const tags = ['admin'];

// User management (docs/admin.md): every write is audited; self-demotion and the last admin are protected.
export const adminUsersRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/users', {
    config: admin,
    schema: {
      tags,
      summary: 'Users, newest first (filters: role, status, verified, q, joined range)',
      querystring: UserListQuerySchema,
      response: { 200: countedPageSchema(AdminUserSchema), ...problems(400, 401, 403) },
    },
    handler: async (request) => listUsers(ctx, request.query),
  });

  app.get('/users/:user_id', {
    config: admin,
    schema: {
      tags,
      summary: 'One user with profile state and live sessions',
      params: UserParamsSchema,
      response: { 200: AdminUserDetailSchema, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => getUserDetail(ctx, request.params.user_id),
  });

  app.put('/users/:user_id', {
    config: admin,
    schema: {
      tags,
      summary: 'Change role, status (active | suspended) or name',
      params: UserParamsSchema,
      body: UserChangeBodySchema,
      response: { 200: AdminUserDetailSchema, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request) => changeUser(ctx, actorOf(request), request.params.user_id, request.body, request.ip),
  });

  app.delete('/users/:user_id', {
    config: admin,
    schema: {
      tags,
      summary: 'Soft delete: personal data anonymized, content kept as "Deleted user", sign-in impossible',
      params: UserParamsSchema,
      response: { 204: Type.Null(), ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      await deleteUser(ctx, actorOf(request), request.params.user_id, request.ip);
      return reply.code(204).send(null);
    },
  });

  for (const [action, status] of [
    ['suspend', 'suspended'],
    ['activate', 'active'],
  ] as const) {
    app.post(`/users/:user_id/${action}`, {
      config: admin,
      schema: {
        tags,
        summary:
          action === 'suspend'
            ? 'Suspend: every session revoked at once, profile hidden, sign-in refused (403)'
            : 'Activate a suspended account',
        params: UserParamsSchema,
        response: { 200: AdminUserDetailSchema, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (request) => changeUser(ctx, actorOf(request), request.params.user_id, { status }, request.ip),
    });
  }
};
