import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { countedPageSchema, PageQuerySchema } from '../../lib/pagination.js';
import { problems } from '../../lib/schemas.js';
import { readUploadStream } from '../../lib/uploads.js';
import { actorOf } from '../../plugins/auth.js';
import { IMPORT_MAX_BYTES, importAlumni } from './profiles.import.js';
import { ImportReportSchema, PendingVerificationSchema, ProfileSchema, RejectBodySchema, UserIdParamsSchema } from './profiles.schemas.js';
import { decideVerification, listPendingVerifications } from './profiles.verification.js';

const admin = { roles: ['admin'] as const };

// Admin verification queue and alumni import.
export const adminProfilesRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/profiles/pending', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: 'Pending verification requests, oldest first',
      querystring: PageQuerySchema,
      response: { 200: countedPageSchema(PendingVerificationSchema), ...problems(400, 401, 403) },
    },
    handler: async (request) => listPendingVerifications(ctx, request.query),
  });

  app.post('/profiles/verify/:user_id', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: 'Approve a pending verification request (the member is e-mailed)',
      params: UserIdParamsSchema,
      response: { 200: ProfileSchema, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request) => decideVerification(ctx, actorOf(request), request.params.user_id, { approve: true }, request.ip),
  });

  app.post('/profiles/reject/:user_id', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: 'Decline a pending verification request with a reason (the member is e-mailed)',
      params: UserIdParamsSchema,
      body: RejectBodySchema,
      response: { 200: ProfileSchema, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request) =>
      decideVerification(ctx, actorOf(request), request.params.user_id, { approve: false, reason: request.body.reason }, request.ip),
  });

  app.post('/import/alumni', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: 'Import alumni from a CSV (multipart field "file"; format in API.md)',
      consumes: ['multipart/form-data'],
      response: { 200: ImportReportSchema, ...problems(400, 401, 403, 413, 415) },
    },
    handler: async (request) =>
      importAlumni(ctx, await readUploadStream(request, IMPORT_MAX_BYTES), { adminId: actorOf(request).id, ip: request.ip }),
  });
};
