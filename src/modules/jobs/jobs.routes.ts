import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { countedPageSchema, pageSchema } from '../../lib/pagination.js';
import { APPLICANT_ROLES, POSTER_ROLES, problems } from '../../lib/schemas.js';
import { readForm } from '../../lib/uploads.js';
import { actorOf } from '../../plugins/auth.js';
import { ApplicationListQuerySchema, ApplicationSchema, ApplyJsonBodySchema, type ApplyJsonBody } from './applications.schemas.js';
import { applyToJob, listJobApplications } from './applications.service.js';
import { CreateJobBodySchema, JobListQuerySchema, JobParamsSchema, JobSchema, UpdateJobBodySchema } from './jobs.schemas.js';
import { closeJob, createJob, deleteJob, getJob, listJobs, updateJob } from './jobs.service.js';

const tags = ['jobs'];

export const jobsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post('/create', {
    config: { roles: POSTER_ROLES },
    schema: {
      tags,
      summary: 'Post a job (alumni, recruiters, admins)',
      body: CreateJobBodySchema,
      response: { 201: JobSchema, ...problems(400, 401, 403) },
    },
    handler: async (request, reply) => reply.code(201).send(await createJob(ctx, actorOf(request), request.body)),
  });

  app.get('/', {
    schema: {
      tags,
      summary: 'The jobs board: open jobs, newest first, filtered as SEARCH.md says',
      querystring: JobListQuerySchema,
      response: { 200: countedPageSchema(JobSchema), ...problems(400, 401) },
    },
    handler: async (request) => listJobs(ctx, request.query),
  });

  app.get('/:job_id', {
    schema: {
      tags,
      summary: 'A job, with its effective status (a read by anyone but the poster counts as a view)',
      params: JobParamsSchema,
      response: { 200: JobSchema, ...problems(400, 401, 404) },
    },
    handler: async (request) => getJob(ctx, actorOf(request), request.params.job_id),
  });

  app.put('/:job_id', {
    config: { roles: POSTER_ROLES },
    schema: {
      tags,
      summary: 'Change a job (poster or admin); only the fields sent change',
      params: JobParamsSchema,
      body: UpdateJobBodySchema,
      response: { 200: JobSchema, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => updateJob(ctx, actorOf(request), request.params.job_id, request.body, request.ip),
  });

  app.delete('/:job_id', {
    config: { roles: POSTER_ROLES },
    schema: {
      tags,
      summary: "Delete a job (poster or admin); applicants keep their application's history",
      params: JobParamsSchema,
      response: { 204: Type.Null(), ...problems(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      await deleteJob(ctx, actorOf(request), request.params.job_id, request.ip);
      return reply.code(204).send(null);
    },
  });

  app.post('/:job_id/close', {
    config: { roles: POSTER_ROLES },
    schema: {
      tags,
      summary: 'Stop taking applications (poster or admin)',
      params: JobParamsSchema,
      response: { 200: JobSchema, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => closeJob(ctx, actorOf(request), request.params.job_id, request.ip),
  });

  app.post('/:job_id/apply', {
    config: { roles: APPLICANT_ROLES },
    schema: {
      tags,
      summary:
        'Apply (students, alumni): JSON {cover_letter, use_profile_cv} or multipart with `file` (PDF/DOCX ≤ 5 MB) and `cover_letter`',
      params: JobParamsSchema,
      body: { content: { 'application/json': { schema: ApplyJsonBodySchema } } },
      response: { 201: ApplicationSchema, ...problems(400, 401, 403, 404, 409, 413, 415) },
    },
    handler: async (request, reply) => {
      const input = request.isMultipart()
        ? await readForm(request, 'cv', ApplyJsonBodySchema)
        : ((request.body as ApplyJsonBody | undefined) ?? {});
      return reply.code(201).send(await applyToJob(ctx, actorOf(request), request.params.job_id, input));
    },
  });

  app.get('/:job_id/applications', {
    config: { roles: POSTER_ROLES },
    schema: {
      tags,
      summary: "A job's applications, newest first (poster or admin; anyone else: 404)",
      params: JobParamsSchema,
      querystring: ApplicationListQuerySchema,
      response: { 200: pageSchema(ApplicationSchema), ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => listJobApplications(ctx, actorOf(request), request.params.job_id, request.query),
  });
};
