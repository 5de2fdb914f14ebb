import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { countedPageSchema } from '../../lib/pagination.js';
import { problems } from '../../lib/schemas.js';
import { readUpload } from '../../lib/uploads.js';
import { actorOf } from '../../plugins/auth.js';
import { getFacets } from './profiles.facets.js';
import {
  FacetsQuerySchema,
  FacetsSchema,
  ProfileCardSchema,
  ProfileInputSchema,
  ProfileSchema,
  SearchQuerySchema,
  UserIdParamsSchema,
} from './profiles.schemas.js';
import { searchProfiles } from './profiles.search.js';
import * as profiles from './profiles.service.js';
import { requestVerification } from './profiles.verification.js';

const tags = ['profiles'];
const multipartBody = { consumes: ['multipart/form-data'] };

// Static paths are registered before /:user_id (Fastify prefers static segments anyway).
export const profilesRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/me', {
    schema: { tags, summary: "The caller's own profile", response: { 200: ProfileSchema, ...problems(401, 404) } },
    handler: async (request) => profiles.getMyProfile(ctx, actorOf(request)),
  });

  app.post('/create', {
    schema: {
      tags,
      summary: 'Create the caller’s profile (one per user)',
      body: ProfileInputSchema,
      response: { 201: ProfileSchema, ...problems(400, 401, 409) },
    },
    handler: async (request, reply) => reply.code(201).send(await profiles.createProfile(ctx, actorOf(request), request.body)),
  });

  app.get('/search', {
    schema: {
      tags,
      summary: 'Search visible profiles (filters as in SEARCH.md, combined with AND)',
      querystring: SearchQuerySchema,
      response: { 200: countedPageSchema(ProfileCardSchema), ...problems(400, 401) },
    },
    handler: async (request) => searchProfiles(ctx, actorOf(request), 'profiles.search', request.query),
  });

  app.get('/directory', {
    schema: {
      tags,
      summary: 'Paginated directory of visible profiles, by name (accepts the search filters too)',
      querystring: SearchQuerySchema,
      response: { 200: countedPageSchema(ProfileCardSchema), ...problems(400, 401) },
    },
    handler: async (request) => searchProfiles(ctx, actorOf(request), 'profiles.directory', request.query),
  });

  app.get('/filters/options', {
    schema: {
      tags,
      summary: 'Facets of visible profiles: companies, skills, locations, batch years, departments with counts, most common first',
      querystring: FacetsQuerySchema,
      response: { 200: FacetsSchema, ...problems(400, 401) },
    },
    handler: async (request) => getFacets(ctx, request.query.limit, actorOf(request)),
  });

  app.post('/upload-cv', {
    schema: {
      tags,
      summary: 'Upload the caller’s CV (PDF or DOCX, ≤ 5 MB, multipart field "file")',
      ...multipartBody,
      response: { 200: ProfileSchema, ...problems(400, 401, 413, 415) },
    },
    handler: async (request) => profiles.attachProfileFile(ctx, actorOf(request), 'cv', await readUpload(request, 'cv')),
  });

  app.post('/upload-photo', {
    schema: {
      tags,
      summary: 'Upload the caller’s photo (JPEG, PNG or WebP, ≤ 5 MB, multipart field "file")',
      ...multipartBody,
      response: { 200: ProfileSchema, ...problems(400, 401, 413, 415) },
    },
    handler: async (request) => profiles.attachProfileFile(ctx, actorOf(request), 'photo', await readUpload(request, 'image')),
  });

  app.post('/me/request-verification', {
    schema: { tags, summary: 'Ask an admin to verify the caller’s profile', response: { 202: ProfileSchema, ...problems(401, 404, 409) } },
    handler: async (request, reply) => reply.code(202).send(await requestVerification(ctx, actorOf(request))),
  });

  app.get('/:user_id', {
    schema: {
      tags,
      summary: 'A profile by user id (hidden profiles: owner and admins only)',
      params: UserIdParamsSchema,
      response: { 200: ProfileSchema, ...problems(400, 401, 404) },
    },
    handler: async (request) => profiles.getProfile(ctx, actorOf(request), request.params.user_id),
  });

  app.put('/:user_id', {
    schema: {
      tags,
      summary: 'Update a profile (owner only; partial: only the fields sent change)',
      params: UserIdParamsSchema,
      body: ProfileInputSchema,
      response: { 200: ProfileSchema, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => profiles.updateProfile(ctx, actorOf(request), request.params.user_id, request.body),
  });

  app.delete('/:user_id', {
    config: { roles: ['admin'] },
    schema: {
      tags,
      summary: 'Delete a profile (admin only)',
      params: UserIdParamsSchema,
      response: { 204: Type.Null(), ...problems(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      await profiles.deleteProfile(ctx, actorOf(request), request.params.user_id, request.ip);
      return reply.code(204).send(null);
    },
  });
};
