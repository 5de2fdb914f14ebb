import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, pgSequence, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.tables.js';

export const eventTypes = ['reunion', 'webinar', 'workshop', 'networking', 'career_fair', 'meetup', 'other'] as const;
export type EventType = (typeof eventTypes)[number];

/** What a member answered; `waitlisted` is an "attending" that found the event full (and it has a waitlist). */
export const rsvpStatuses = ['attending', 'maybe', 'not_attending', 'waitlisted'] as const;
export type RsvpStatus = (typeof rsvpStatuses)[number];

/**
 * Waitlist arrival order. Taken while the event row is locked, so the numbers follow the order in
 * which RSVPs were settled; a global sequence is enough because only the order within one event matters.
 */
export const eventWaitlistSeq = pgSequence('event_waitlist_seq');

/** An event. Status is derived (cancelled_at, end_date), never flipped by a cron. */
export const events = pgTable(
  'events',
  {
    id: uuid().primaryKey().defaultRandom(),
    title: text().notNull(),
    description: text().notNull(),
    event_type: text({ enum: eventTypes }).notNull(),
    location: text(),
    is_virtual: boolean().notNull().default(false),
    meeting_link: text(),
    start_date: timestamp({ withTimezone: true }).notNull(),
    end_date: timestamp({ withTimezone: true }).notNull(),
    // IANA name; the calendar file and e-mails show local times in it.
    timezone: text().notNull().default('UTC'),
    registration_deadline: timestamp({ withTimezone: true }),
    max_attendees: integer(),
    waitlist_enabled: boolean().notNull().default(false),
    created_by: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // Storage key; clients only see a signed URL.
    banner_key: text(),
    // Moved only together with event_rsvps rows, in one transaction (events.rsvp.ts).
    attending_count: integer().notNull().default(0),
    waitlist_count: integer().notNull().default(0),
    cancelled_at: timestamp({ withTimezone: true }),
    cancel_reason: text(),
    // Bumped on every change that matters to a calendar (iCalendar SEQUENCE).
    sequence: integer().notNull().default(0),
    deleted_at: timestamp({ withTimezone: true }),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The last line of defence for capacity: even a buggy code path cannot overbook.
    check('events_capacity_check', sql`${t.max_attendees} IS NULL OR ${t.attending_count} <= ${t.max_attendees}`),
    check('events_counts_check', sql`${t.attending_count} >= 0 AND ${t.waitlist_count} >= 0`),
    check('events_dates_check', sql`${t.end_date} > ${t.start_date}`),
    // Discovery's keyset order (both directions), restricted to the rows lists can show.
    index('events_start_order_idx')
      .on(t.start_date, t.id)
      .where(sql`deleted_at IS NULL`),
    index('events_type_start_idx')
      .on(t.event_type, t.start_date, t.id)
      .where(sql`deleted_at IS NULL`),
    index('events_created_by_idx').on(t.created_by, t.start_date, t.id),
    index('events_title_trgm_idx').using('gin', t.title.op('gin_trgm_ops')),
    index('events_description_trgm_idx').using('gin', t.description.op('gin_trgm_ops')),
  ],
);

/** One answer per (event, member); the latest answer replaces the previous one. */
export const eventRsvps = pgTable(
  'event_rsvps',
  {
    id: uuid().primaryKey().defaultRandom(),
    event_id: uuid()
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: text({ enum: rsvpStatuses }).notNull(),
    // When the latest answer was given.
    rsvp_date: timestamp({ withTimezone: true }).notNull().defaultNow(),
    // Arrival order on the waitlist (from event_waitlist_seq); null unless waitlisted.
    waitlist_seq: bigint({ mode: 'number' }),
    promoted_at: timestamp({ withTimezone: true }),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('event_rsvps_event_user_key').on(t.event_id, t.user_id),
    index('event_rsvps_event_status_idx').on(t.event_id, t.status, t.rsvp_date, t.id),
    index('event_rsvps_waitlist_idx')
      .on(t.event_id, t.waitlist_seq)
      .where(sql`status = 'waitlisted'`),
    index('event_rsvps_user_idx').on(t.user_id, t.status),
  ],
);

/**
 * One row per reminder sent: (event, member, start time). The reminder job inserts these with
 * ON CONFLICT DO NOTHING and notifies only the rows it inserted, so a job that runs twice, or on
 * two workers at once, reminds nobody twice; a moved event (new start) gets its own reminder.
 */
export const eventRemindersSent = pgTable(
  'event_reminders_sent',
  {
    event_id: uuid()
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    start_date: timestamp({ withTimezone: true }).notNull(),
    sent_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('event_reminders_sent_key').on(t.event_id, t.user_id, t.start_date)],
);
