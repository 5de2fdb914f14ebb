import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.tables.js';

const emptyTextArray = sql`'{}'::text[]`;

export const requestStatuses = ['pending', 'accepted', 'rejected', 'expired'] as const;
export type RequestStatus = (typeof requestStatuses)[number];
export const sessionStatuses = ['scheduled', 'completed', 'cancelled'] as const;
export type SessionStatus = (typeof sessionStatuses)[number];
export const goalStatuses = ['open', 'achieved'] as const;

/**
 * A member who mentors; keyed by the user id (mentor_id = user id everywhere). The counters are
 * derived and only ever moved by conditional UPDATEs in the transaction that changes what they count.
 */
export const mentorProfiles = pgTable(
  'mentor_profiles',
  {
    user_id: uuid()
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    is_available: boolean().notNull().default(true),
    expertise_areas: text().array().notNull().default(emptyTextArray),
    // Lower-cased copy written with expertise_areas: case-insensitive "any of" through a GIN index.
    expertise_lower: text().array().notNull().default(emptyTextArray),
    max_mentees: integer().notNull().default(3),
    current_mentees_count: integer().notNull().default(0),
    bio: text(),
    availability: text(),
    rating_sum: integer().notNull().default(0),
    rating_count: integer().notNull().default(0),
    // The average of all feedback, two decimals; null until the first feedback. Never written by hand.
    rating: doublePrecision().generatedAlwaysAs(
      sql`CASE WHEN rating_count > 0 THEN round(rating_sum::numeric / rating_count, 2)::float8 END`,
    ),
    total_sessions: integer().notNull().default(0),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The list's order (rating, then id) — also its keyset.
    index('mentor_profiles_order_idx').on(sql`coalesce(${t.rating}, 0) DESC`, t.user_id),
    index('mentor_profiles_expertise_idx').using('gin', t.expertise_lower),
    // The last line of defence for capacity: no write path can overfill a mentor or go below zero.
    check('mentor_profiles_capacity_check', sql`${t.current_mentees_count} BETWEEN 0 AND ${t.max_mentees}`),
    check('mentor_profiles_max_mentees_check', sql`${t.max_mentees} BETWEEN 1 AND 20`),
  ],
);

/** A member's request to a mentor. One pending request per pair (partial unique index). */
export const mentorshipRequests = pgTable(
  'mentorship_requests',
  {
    id: uuid().primaryKey().defaultRandom(),
    student_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    mentor_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    request_message: text().notNull(),
    goals: text(),
    status: text({ enum: requestStatuses }).notNull().default('pending'),
    requested_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    accepted_at: timestamp({ withTimezone: true }),
    rejected_at: timestamp({ withTimezone: true }),
    rejection_reason: text(),
    expired_at: timestamp({ withTimezone: true }),
    /** When a pending request lapses: fixed at creation from the setting mentorship_request_expiry_days. */
    expires_at: timestamp({ withTimezone: true })
      .notNull()
      .default(sql`now() + interval '14 days'`),
  },
  (t) => [
    uniqueIndex('mentorship_requests_one_pending_idx')
      .on(t.student_id, t.mentor_id)
      .where(sql`${t.status} = 'pending'`),
    index('mentorship_requests_mentor_idx').on(t.mentor_id, t.requested_at.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('mentorship_requests_student_idx').on(t.student_id, t.requested_at.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // The expiry sweep reads only pending rows, by expiry.
    index('mentorship_requests_pending_expiry_idx')
      .on(t.expires_at)
      .where(sql`${t.status} = 'pending'`),
  ],
);

/** An accepted request becomes a mentorship; either side may end it, which frees the seat. */
export const mentorships = pgTable(
  'mentorships',
  {
    id: uuid().primaryKey().defaultRandom(),
    request_id: uuid()
      .notNull()
      .references(() => mentorshipRequests.id, { onDelete: 'cascade' }),
    mentor_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    student_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: text({ enum: ['active', 'ended'] })
      .notNull()
      .default('active'),
    started_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    ended_at: timestamp({ withTimezone: true }),
    ended_by: uuid().references(() => users.id, { onDelete: 'set null' }),
    end_reason: text(),
  },
  (t) => [
    uniqueIndex('mentorships_request_idx').on(t.request_id),
    uniqueIndex('mentorships_one_active_pair_idx')
      .on(t.mentor_id, t.student_id)
      .where(sql`${t.status} = 'active'`),
    index('mentorships_mentor_idx').on(t.mentor_id, t.started_at.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('mentorships_student_idx').on(t.student_id, t.started_at.desc().nullsFirst(), t.id.desc().nullsFirst()),
  ],
);

export const mentorshipSessions = pgTable(
  'mentorship_sessions',
  {
    id: uuid().primaryKey().defaultRandom(),
    mentorship_id: uuid()
      .notNull()
      .references(() => mentorships.id, { onDelete: 'cascade' }),
    scheduled_date: timestamp({ withTimezone: true }).notNull(),
    // Minutes.
    duration: integer().notNull(),
    status: text({ enum: sessionStatuses }).notNull().default('scheduled'),
    meeting_link: text(),
    agenda: text(),
    // The mentor's private notes: never shown to the mentee.
    notes: text(),
    feedback: text(),
    rating: smallint(),
    feedback_at: timestamp({ withTimezone: true }),
    completed_at: timestamp({ withTimezone: true }),
    cancelled_at: timestamp({ withTimezone: true }),
    cancelled_by: uuid().references(() => users.id, { onDelete: 'set null' }),
    // The start time the 24 h reminder went out for: a rescheduled session gets one new reminder.
    reminder_sent_for: timestamp({ withTimezone: true }),
    created_by: uuid().references(() => users.id, { onDelete: 'set null' }),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('mentorship_sessions_mentorship_idx').on(t.mentorship_id, t.scheduled_date, t.id),
    check('mentorship_sessions_duration_check', sql`${t.duration} BETWEEN 15 AND 240`),
    check('mentorship_sessions_rating_check', sql`${t.rating} BETWEEN 1 AND 5`),
  ],
);

export const mentorshipGoals = pgTable(
  'mentorship_goals',
  {
    id: uuid().primaryKey().defaultRandom(),
    mentorship_id: uuid()
      .notNull()
      .references(() => mentorships.id, { onDelete: 'cascade' }),
    title: text().notNull(),
    description: text(),
    status: text({ enum: goalStatuses }).notNull().default('open'),
    created_by: uuid().references(() => users.id, { onDelete: 'set null' }),
    achieved_at: timestamp({ withTimezone: true }),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('mentorship_goals_mentorship_idx').on(t.mentorship_id, t.created_at, t.id)],
);

/**
 * Matching's corpus statistics: in how many listed profiles each (lower-cased) skill appears, and
 * how many listed profiles there are. Rebuilt by a scheduled job (and when empty), so a suggestion
 * never scans 100,000 profiles.
 */
export const mentorshipSkillFrequencies = pgTable('mentorship_skill_frequencies', {
  skill: text().primaryKey(),
  document_count: integer().notNull(),
});

export const mentorshipCorpus = pgTable('mentorship_corpus', {
  id: smallint().primaryKey().default(1),
  documents: integer().notNull(),
  refreshed_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
