import { sql } from 'drizzle-orm';
import { bigint, boolean, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.tables.js';

export const priorities = ['low', 'normal', 'high'] as const;
export type Priority = (typeof priorities)[number];
export const emailDeliveries = ['immediate', 'daily_digest'] as const;

/** One in-app notification for one person. */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid().primaryKey().defaultRandom(),
    // Insertion order: the list's order and cursor, and the SSE event id (Last-Event-ID replays from it).
    seq: bigint({ mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text().notNull(),
    title: text().notNull(),
    message: text().notNull(),
    link: text(),
    priority: text({ enum: priorities }).notNull().default('normal'),
    metadata: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    is_read: boolean().notNull().default(false),
    read_at: timestamp({ withTimezone: true }),
    // Set for notifications that must exist at most once (an event delivery, a broadcast, a daily job digest).
    dedupe_key: text(),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('notifications_user_unread_idx')
      .on(t.user_id)
      .where(sql`NOT is_read`),
    index('notifications_user_seq_idx').on(t.user_id, t.seq),
    uniqueIndex('notifications_dedupe_key_idx').on(t.dedupe_key),
  ],
);

/** Per-type switches; a type missing here uses its defaults (both on). */
export type TypePreferences = Record<string, { in_app?: boolean; email?: boolean }>;

export const notificationPreferences = pgTable('notification_preferences', {
  user_id: uuid()
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  email_notifications: boolean().notNull().default(true),
  push_notifications: boolean().notNull().default(true),
  email_delivery: text({ enum: emailDeliveries }).notNull().default('immediate'),
  notification_types: jsonb().$type<TypePreferences>().notNull().default({}),
  updated_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** E-mails waiting for a person's daily digest (people who chose `daily_digest`). */
export const notificationDigestItems = pgTable(
  'notification_digest_items',
  {
    id: uuid().primaryKey().defaultRandom(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text().notNull(),
    title: text().notNull(),
    message: text().notNull(),
    link: text(),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.user_id, t.created_at)],
);

/**
 * One row per person, day and kind of digest (`email`: the daily e-mail digest). The key makes each
 * digest exactly-once across workers.
 */
export const notificationDigests = pgTable(
  'notification_digests',
  {
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    day: date().notNull(),
    kind: text().notNull(),
    items: integer().notNull(),
    sent_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.user_id, t.day, t.kind] })],
);

export interface BroadcastAudience {
  roles?: string[];
  batch_years?: number[];
  departments?: string[];
}

/** An announcement; its job writes the notifications in batches, resuming after `last_user_id`. */
export const notificationBroadcasts = pgTable('notification_broadcasts', {
  id: uuid().primaryKey().defaultRandom(),
  admin_id: uuid().references(() => users.id, { onDelete: 'set null' }),
  title: text().notNull(),
  message: text().notNull(),
  link: text(),
  priority: text({ enum: priorities }).notNull().default('normal'),
  audience: jsonb().$type<BroadcastAudience>().notNull().default({}),
  recipients: integer().notNull(),
  last_user_id: uuid(),
  done_at: timestamp({ withTimezone: true }),
  created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * Event deliveries already handled, by subscriber and envelope id (src/lib/events.ts): written in
 * the same transaction as the subscriber's effects, so a redelivered event changes nothing. Marks
 * older than DELIVERY_RETENTION_DAYS are pruned daily.
 */
export const eventDeliveries = pgTable(
  'event_deliveries',
  {
    subscriber: text().notNull(),
    event_id: uuid().notNull(),
    delivered_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  // delivered_at: the daily prune finds old marks in order (src/lib/events.ts, decision 114).
  (t) => [primaryKey({ columns: [t.subscriber, t.event_id] }), index('event_deliveries_delivered_at_idx').on(t.delivered_at)],
);

/** Jobs posted since the last job-match run (one row per `job.posted`; the run consumes them). */
export const jobMatchQueue = pgTable('job_match_queue', {
  job_id: uuid().primaryKey(),
  queued_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * Per person and UTC day, the jobs matched so far and whether today's notification exists.
 * `pending` marks rows a run still has to deliver; the row makes the day's notification
 * exactly-once and its later updates idempotent (the full set of ids, not an increment).
 */
export const jobMatchRecipients = pgTable(
  'job_match_recipients',
  {
    day: date().notNull(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    job_ids: uuid().array().notNull(),
    notified: boolean().notNull().default(false),
    pending: boolean().notNull().default(true),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.user_id] }),
    index('job_match_recipients_pending_idx')
      .on(t.day, t.user_id)
      .where(sql`pending`),
  ],
);
