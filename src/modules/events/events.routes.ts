import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../lib/context.js';
import { countedPageSchema, pageSchema } from '../../lib/pagination.js';
import { problems } from '../../lib/schemas.js';
import { readUpload } from '../../lib/uploads.js';
import { actorOf } from '../../plugins/auth.js';
import { eventIcsFile } from './events.ics.js';
import { listEvents, listMyEvents } from './events.list.js';
import { listAttendees, listWaitlist, rsvpToEvent } from './events.rsvp.js';
import {
  AttendeeSchema,
  AttendeesQuerySchema,
  CancelEventBodySchema,
  CreateEventBodySchema,
  EventListQuerySchema,
  EventParamsSchema,
  EventSchema,
  MyEventsQuerySchema,
  PageOnlyQuerySchema,
  RsvpBodySchema,
  RsvpSchema,
  UpdateEventBodySchema,
  WaitlistEntrySchema,
} from './events.schemas.js';
import { attachEventBanner, cancelEvent, createEvent, deleteEvent, getEvent, updateEvent } from './events.service.js';

const tags = ['events'];
/** Who may create events: the seed's admins and alumni, and faculty for departmental events (docs/decisions/070). */
export const EVENT_CREATOR_ROLES = ['admin', 'alumni', 'faculty'] as const;

// Static paths (/create, /my-events) win over /:event_id: Fastify prefers static segments, and the id must be a uuid anyway.
export const eventsRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post('/create', {
    config: { roles: EVENT_CREATOR_ROLES },
    schema: {
      tags,
      summary: 'Create an event (admins, alumni, faculty)',
      body: CreateEventBodySchema,
      response: { 201: EventSchema, ...problems(400, 401, 403) },
    },
    handler: async (request, reply) => reply.code(201).send(await createEvent(ctx, actorOf(request), request.body)),
  });

  app.get('/', {
    schema: {
      tags,
      summary: 'Discover events: upcoming (soonest first) or past (most recent first), filtered, with count',
      querystring: EventListQuerySchema,
      response: { 200: countedPageSchema(EventSchema), ...problems(400, 401) },
    },
    handler: async (request) => listEvents(ctx, actorOf(request), request.query),
  });

  app.get('/my-events', {
    schema: {
      tags,
      summary: 'Events I answered attending or maybe (or am waitlisted for), with my answer; created=true: events I created',
      querystring: MyEventsQuerySchema,
      response: { 200: countedPageSchema(EventSchema), ...problems(400, 401) },
    },
    handler: async (request) => listMyEvents(ctx, actorOf(request), request.query),
  });

  app.get('/:event_id', {
    schema: {
      tags,
      summary: 'An event with my answer (cancelled events stay readable)',
      params: EventParamsSchema,
      response: { 200: EventSchema, ...problems(400, 401, 404) },
    },
    handler: async (request) => getEvent(ctx, actorOf(request), request.params.event_id),
  });

  app.put('/:event_id', {
    schema: {
      tags,
      summary: 'Change an event (creator or admin); only the fields sent change; a new start moves the reminder',
      params: EventParamsSchema,
      body: UpdateEventBodySchema,
      response: { 200: EventSchema, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request) => updateEvent(ctx, actorOf(request), request.params.event_id, request.body),
  });

  app.delete('/:event_id', {
    schema: {
      tags,
      summary: 'Delete an event (creator or admin; soft: it reads 404 and leaves every list)',
      params: EventParamsSchema,
      response: { 204: Type.Null(), ...problems(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      await deleteEvent(ctx, actorOf(request), request.params.event_id);
      return reply.code(204).send(null);
    },
  });

  app.post('/:event_id/cancel', {
    schema: {
      tags,
      summary: 'Cancel an event (creator or admin); it stays readable and everyone attending, maybe or waitlisted is notified',
      params: EventParamsSchema,
      body: CancelEventBodySchema,
      response: { 200: EventSchema, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request) => cancelEvent(ctx, actorOf(request), request.params.event_id, request.body ?? {}),
  });

  app.post('/:event_id/banner', {
    schema: {
      tags,
      summary: 'Upload the banner (creator or admin; JPEG, PNG or WebP, ≤ 5 MB, multipart field "file")',
      consumes: ['multipart/form-data'],
      params: EventParamsSchema,
      response: { 200: EventSchema, ...problems(400, 401, 403, 404, 413, 415) },
    },
    handler: async (request) => attachEventBanner(ctx, actorOf(request), request.params.event_id, await readUpload(request, 'image')),
  });

  app.post('/:event_id/rsvp', {
    schema: {
      tags,
      summary: 'Answer attending, maybe or not_attending (the latest answer counts); full events waitlist or answer 409 capacity_full',
      params: EventParamsSchema,
      body: RsvpBodySchema,
      response: { 200: RsvpSchema, ...problems(400, 401, 404, 409) },
    },
    handler: async (request) => rsvpToEvent(ctx, actorOf(request), request.params.event_id, request.body),
  });

  app.get('/:event_id/attendees', {
    schema: {
      tags,
      summary: 'Who comes: the creator and admins see every answer; members see the names of those attending',
      params: EventParamsSchema,
      querystring: AttendeesQuerySchema,
      response: { 200: pageSchema(AttendeeSchema), ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => listAttendees(ctx, actorOf(request), request.params.event_id, request.query),
  });

  app.get('/:event_id/waitlist', {
    schema: {
      tags,
      summary: 'The waitlist in arrival order, with positions (creator or admin)',
      params: EventParamsSchema,
      querystring: PageOnlyQuerySchema,
      response: { 200: pageSchema(WaitlistEntrySchema), ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => listWaitlist(ctx, actorOf(request), request.params.event_id, request.query),
  });

  app.get('/:event_id/ics', {
    schema: {
      tags,
      summary: 'The event as an iCalendar file (its time zone, place or meeting link, a stable UID)',
      produces: ['text/calendar'],
      params: EventParamsSchema,
      response: { 200: Type.String({ description: 'text/calendar' }), ...problems(400, 401, 404) },
    },
    handler: async (request, reply) => {
      const file = await eventIcsFile(ctx, request.params.event_id);
      return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).send(file.content);
    },
  });
};
