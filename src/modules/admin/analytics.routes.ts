import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { problems } from '../../lib/schemas.js';
import { actorOf } from '../../plugins/auth.js';
import {
  BatchesSchema,
  EngagementQuerySchema,
  EngagementSchema,
  GroupsSchema,
  JobTrendsQuerySchema,
  JobTrendsSchema,
  LocationsGeoJsonSchema,
  LocationsSchema,
  TopQuerySchema,
} from './analytics.schemas.js';
import {
  batchesAnalytics,
  companiesAnalytics,
  engagementAnalytics,
  jobTrendsAnalytics,
  locationsAnalytics,
  locationsGeoJson,
  skillsAnalytics,
} from './analytics.service.js';

// Admins and faculty; in a faculty view groups of fewer than 5 people are left out.
const readers = { roles: ['admin', 'faculty'] as const };
const tags = ['analytics'];

export const analyticsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/skills', {
    config: readers,
    schema: {
      tags,
      summary: 'Most common skills of listed profiles',
      querystring: TopQuerySchema,
      response: { 200: GroupsSchema, ...problems(400, 401, 403) },
    },
    handler: async (request) => skillsAnalytics(ctx, actorOf(request), request.query),
  });

  app.get('/companies', {
    config: readers,
    schema: {
      tags,
      summary: 'Companies where listed members work now',
      querystring: TopQuerySchema,
      response: { 200: GroupsSchema, ...problems(400, 401, 403) },
    },
    handler: async (request) => companiesAnalytics(ctx, actorOf(request), request.query),
  });

  app.get('/batches', {
    config: readers,
    schema: { tags, summary: 'Listed alumni per batch year', response: { 200: BatchesSchema, ...problems(401, 403) } },
    handler: async (request) => batchesAnalytics(ctx, actorOf(request)),
  });

  app.get('/job-trends', {
    config: readers,
    schema: {
      tags,
      summary: 'Jobs by type and postings per month',
      querystring: JobTrendsQuerySchema,
      response: { 200: JobTrendsSchema, ...problems(400, 401, 403) },
    },
    handler: async (request) => jobTrendsAnalytics(ctx, request.query),
  });

  app.get('/engagement', {
    config: readers,
    schema: {
      tags,
      summary: 'DAU, WAU, MAU (sign-ins and token refreshes) and a daily series',
      querystring: EngagementQuerySchema,
      response: { 200: EngagementSchema, ...problems(400, 401, 403) },
    },
    handler: async (request) => engagementAnalytics(ctx, actorOf(request), request.query),
  });

  app.get('/locations', {
    config: readers,
    schema: {
      tags,
      summary: 'Listed members per city, with coordinates (offline geocoding)',
      response: { 200: LocationsSchema, ...problems(401, 403) },
    },
    handler: async (request) => locationsAnalytics(ctx, actorOf(request)),
  });

  app.get('/locations.geojson', {
    config: readers,
    schema: {
      tags,
      summary: 'The same as a GeoJSON FeatureCollection of points',
      produces: ['application/geo+json'],
      response: { 200: LocationsGeoJsonSchema, ...problems(401, 403) },
    },
    handler: async (request, reply) => reply.type('application/geo+json').send(await locationsGeoJson(ctx, actorOf(request))),
  });
};
