import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { pageSchema } from '../../lib/pagination.js';
import { problems } from '../../lib/schemas.js';
import { actorOf } from '../../plugins/auth.js';
import {
  ApplicationDetailSchema,
  ApplicationListQuerySchema,
  ApplicationParamsSchema,
  ApplicationSchema,
  StatusBodySchema,
} from './applications.schemas.js';
import { listMyApplications } from './applications.service.js';
import { changeApplicationStatus, getApplication } from './applications.status.js';

const tags = ['applications'];

export const applicationsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/my-applications', {
    schema: {
      tags,
      summary: "The caller's applications, newest first (also those to jobs deleted since)",
      querystring: ApplicationListQuerySchema,
      response: { 200: pageSchema(ApplicationSchema), ...problems(400, 401) },
    },
    handler: async (request) => listMyApplications(ctx, actorOf(request), request.query),
  });

  app.get('/:app_id', {
    schema: {
      tags,
      summary: "An application with its history (applicant, poster, admin); the poster's first read marks it viewed",
      params: ApplicationParamsSchema,
      response: { 200: ApplicationDetailSchema, ...problems(400, 401, 404) },
    },
    handler: async (request) => getApplication(ctx, actorOf(request), request.params.app_id),
  });

  app.put('/:app_id/status', {
    schema: {
      tags,
      summary: 'Move an application along the workflow (poster/admin), or withdraw it (applicant)',
      params: ApplicationParamsSchema,
      body: StatusBodySchema,
      response: { 200: ApplicationDetailSchema, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request) => changeApplicationStatus(ctx, actorOf(request), request.params.app_id, request.body, request.ip),
  });
};
