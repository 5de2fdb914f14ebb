import { Type, type Static } from '@sinclair/typebox';
import { PageQuerySchema } from '../../lib/pagination.js';
import {
  DATE_FILTER_PATTERN,
  StringEnum,
  DateTimeInput,
  Filter,
  Int,
  Nullable,
  RequiredText,
  Text,
  TimestampSchema,
  UuidSchema,
} from '../../lib/schemas.js';
import { eventTypes } from './events.tables.js';

const Required = (maxLength: number, description?: string) => RequiredText({ maxLength, description });
/** A query-string date filter (ISO 8601 date or date-time, years 0001–9999; blank filters nothing); the service reads it. */
const DateFilter = (description: string) => Type.Optional(Type.String({ maxLength: 40, pattern: DATE_FILTER_PATTERN, description }));

export const EventTypeSchema = StringEnum(eventTypes, { description: eventTypes.join(' | ') });
export const EventStatusSchema = StringEnum(['scheduled', 'cancelled', 'completed'], {
  description: 'Derived: cancelled once cancelled, completed once end_date has passed, scheduled otherwise',
});
export const RsvpAnswerSchema = StringEnum(['attending', 'maybe', 'not_attending']);
export const RsvpStatusSchema = StringEnum(['attending', 'maybe', 'not_attending', 'waitlisted'], {
  description: 'waitlisted: answered attending while the event was full (and it has a waitlist)',
});

export const MyRsvpSchema = Type.Object({
  status: RsvpStatusSchema,
  rsvp_date: TimestampSchema,
  waitlist_position: Nullable(Type.Integer({ minimum: 1, description: '1 = next to be promoted' })),
});

export const EventSchema = Type.Object(
  {
    id: UuidSchema,
    title: Type.String(),
    description: Type.String(),
    event_type: EventTypeSchema,
    location: Nullable(Type.String()),
    is_virtual: Type.Boolean(),
    meeting_link: Nullable(Type.String()),
    start_date: TimestampSchema,
    end_date: TimestampSchema,
    timezone: Type.String({ description: 'IANA time zone name' }),
    registration_deadline: Nullable(TimestampSchema),
    max_attendees: Nullable(Type.Integer()),
    waitlist_enabled: Type.Boolean(),
    created_by: UuidSchema,
    banner_url: Nullable(Type.String({ description: 'Signed URL, valid for an hour' })),
    banner_image: Nullable(Type.String({ description: "The seed's name for banner_url: the same signed URL" })),
    status: EventStatusSchema,
    cancel_reason: Nullable(Type.String()),
    attending_count: Type.Integer(),
    waitlist_count: Type.Integer(),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
    my_rsvp: Type.Optional(Nullable(MyRsvpSchema)),
  },
  { title: 'Event' },
);

const fields = {
  title: Required(200),
  description: Required(20_000),
  event_type: EventTypeSchema,
  location: Required(300, 'Where it happens (in person); free text'),
  is_virtual: Type.Boolean(),
  meeting_link: Type.String({
    format: 'uri',
    pattern: '^https?://[^\\s\\u0000]+$',
    maxLength: 2000,
    description: 'http(s) URL; required when is_virtual',
  }),
  start_date: DateTimeInput({ description: 'In the future at creation' }),
  end_date: DateTimeInput({ description: 'After start_date, at most 30 days later' }),
  timezone: Required(64, 'IANA name such as Asia/Kolkata (default UTC)'),
  registration_deadline: DateTimeInput({ description: 'Before start_date; RSVPs close then (at start when unset)' }),
  waitlist_enabled: Type.Boolean({ description: 'When full, new "attending" answers join a waitlist instead of a 409' }),
};

/**
 * Seats: 1–1,000,000, or null for unlimited; 0 is a 400, never "unlimited". Not `Nullable(Int(...))`:
 * in `anyOf [integer, null]` the app's Ajv coercion (coerceTypes) would turn the 0 the integer branch
 * refuses into null in the null branch, and the event would silently have no limit. A type list is
 * coerced only when no type matches, so 0 stays 0 and `minimum` refuses it.
 */
const NullableSeats = Type.Unsafe<number | null>({
  ...Int({ minimum: 1, maximum: 1_000_000 }),
  type: ['integer', 'null'],
  description: 'Seats (1–1,000,000); null = unlimited; 0 is refused',
});

export const CreateEventBodySchema = Type.Object(
  {
    title: fields.title,
    description: fields.description,
    event_type: fields.event_type,
    location: Type.Optional(Nullable(fields.location)),
    is_virtual: Type.Optional(fields.is_virtual),
    meeting_link: Type.Optional(Nullable(fields.meeting_link)),
    start_date: fields.start_date,
    end_date: fields.end_date,
    timezone: Type.Optional(fields.timezone),
    registration_deadline: Type.Optional(Nullable(fields.registration_deadline)),
    max_attendees: Type.Optional(NullableSeats),
    waitlist_enabled: Type.Optional(fields.waitlist_enabled),
  },
  { additionalProperties: false },
);
export type CreateEventBody = Static<typeof CreateEventBodySchema>;

export const UpdateEventBodySchema = Type.Object(
  {
    title: Type.Optional(fields.title),
    description: Type.Optional(fields.description),
    event_type: Type.Optional(fields.event_type),
    location: Type.Optional(Nullable(fields.location)),
    is_virtual: Type.Optional(fields.is_virtual),
    meeting_link: Type.Optional(Nullable(fields.meeting_link)),
    start_date: Type.Optional(fields.start_date),
    end_date: Type.Optional(fields.end_date),
    timezone: Type.Optional(fields.timezone),
    registration_deadline: Type.Optional(Nullable(fields.registration_deadline)),
    max_attendees: Type.Optional(NullableSeats),
    waitlist_enabled: Type.Optional(fields.waitlist_enabled),
  },
  { additionalProperties: false },
);
export type UpdateEventBody = Static<typeof UpdateEventBodySchema>;

export const CancelEventBodySchema = Type.Object(
  { reason: Type.Optional(Nullable(Text({ maxLength: 2000, description: 'Shown on the event and in the notification' }))) },
  { additionalProperties: false },
);
export type CancelEventBody = Static<typeof CancelEventBodySchema>;

// Optional (with its default): a filter the client may leave out, not a required parameter.
const WhenSchema = StringEnum(['upcoming', 'past'], {
  default: 'upcoming',
  description: 'upcoming: not yet ended, soonest first; past: ended, most recent first',
});

// Filters are strings so that an empty value filters nothing (SEARCH.md's common rules).
export const EventListQuerySchema = Type.Object({
  when: Type.Optional(WhenSchema),
  event_type: Type.Optional(Type.String({ pattern: `^\\s*(${eventTypes.join('|')})?\\s*$`, description: 'One of the event types' })),
  is_virtual: Type.Optional(Type.String({ pattern: '^\\s*(true|false)?\\s*$', description: 'true or false' })),
  q: Filter('Case-insensitive substring of title or description'),
  from: DateFilter('start_date ≥ from (a date alone is UTC midnight)'),
  to: DateFilter('start_date < to (a date alone is UTC midnight)'),
  location: Filter('Case-insensitive substring of location', 300),
  include_cancelled: Type.Optional(Type.Boolean({ default: false, description: 'Also list cancelled events' })),
  ...PageQuerySchema.properties,
});
export type EventListQuery = Static<typeof EventListQuerySchema>;

export const MyEventsQuerySchema = Type.Object({
  when: Type.Optional(WhenSchema),
  created: Type.Optional(Type.Boolean({ default: false, description: 'true: the events I created instead of those I answered' })),
  ...PageQuerySchema.properties,
});
export type MyEventsQuery = Static<typeof MyEventsQuerySchema>;

export const EventParamsSchema = Type.Object({ event_id: UuidSchema });

export const RsvpBodySchema = Type.Object({ status: RsvpAnswerSchema }, { additionalProperties: false });
export type RsvpBody = Static<typeof RsvpBodySchema>;

export const RsvpSchema = Type.Object(
  {
    event_id: UuidSchema,
    user_id: UuidSchema,
    status: RsvpStatusSchema,
    rsvp_date: TimestampSchema,
    waitlist_position: Nullable(Type.Integer({ minimum: 1 })),
    attending_count: Type.Integer(),
    waitlist_count: Type.Integer(),
  },
  { title: 'EventRsvp' },
);

export const AttendeeSchema = Type.Object(
  {
    user_id: UuidSchema,
    name: Type.String(),
    status: Type.Optional(RsvpStatusSchema),
    rsvp_date: Type.Optional(TimestampSchema),
    waitlist_position: Type.Optional(Nullable(Type.Integer())),
  },
  { title: 'EventAttendee', description: 'Members see user_id and name of those attending; the creator and admins see every answer' },
);

export const AttendeesQuerySchema = Type.Object({
  status: Type.Optional(RsvpStatusSchema),
  ...PageQuerySchema.properties,
});
export type AttendeesQuery = Static<typeof AttendeesQuerySchema>;

export const WaitlistEntrySchema = Type.Object(
  {
    user_id: UuidSchema,
    name: Type.String(),
    email: Type.String(),
    position: Type.Integer({ minimum: 1 }),
    rsvp_date: TimestampSchema,
  },
  { title: 'EventWaitlistEntry' },
);

export const ParticipationQuerySchema = Type.Object({
  from: DateFilter('Events starting at or after (a date alone is UTC midnight)'),
  to: DateFilter('Events starting before (a date alone is UTC midnight)'),
});
export type ParticipationQuery = Static<typeof ParticipationQuerySchema>;

const ParticipationRowSchema = Type.Object({
  events: Type.Integer(),
  cancelled: Type.Integer(),
  capacity: Type.Integer({ description: 'Seats of the events that have max_attendees' }),
  attending: Type.Integer(),
  attending_capped: Type.Integer({ description: 'Attending at events that have max_attendees' }),
  maybe: Type.Integer(),
  not_attending: Type.Integer(),
  waitlisted: Type.Integer(),
  fill_rate: Nullable(Type.Number({ description: 'attending_capped / capacity; null without capped events' })),
});
export const ParticipationSchema = Type.Object(
  {
    by_event_type: Type.Array(Type.Object({ event_type: EventTypeSchema, ...ParticipationRowSchema.properties })),
    totals: ParticipationRowSchema,
  },
  { title: 'EventParticipation' },
);

export const PageOnlyQuerySchema = Type.Object({ ...PageQuerySchema.properties });
export type PageQuery = Static<typeof PageOnlyQuerySchema>;
