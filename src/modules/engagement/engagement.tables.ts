import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.tables.js';

/**
 * Engagement is keyed by (content_type, content_id): a content type is any registered kind of item
 * (`forum_post`, `forum_comment`, later `feed_post`, ...). content_id has no foreign key because it
 * points into the owning module's table; that module's registration answers whether the item exists.
 */
export const reportReasons = ['spam', 'harassment', 'off_topic', 'other'] as const;
export type ReportReason = (typeof reportReasons)[number];

/** One row per (member, item): the unique key settles concurrent double likes. */
export const engagementLikes = pgTable(
  'engagement_likes',
  {
    content_type: text().notNull(),
    content_id: uuid().notNull(),
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.content_type, t.content_id, t.user_id] }),
    index('engagement_likes_user_idx').on(t.user_id, t.created_at.desc().nullsFirst()),
  ],
);

/**
 * The counters of an item, kept in the statement that changes what they count (likes) or in the
 * transaction of the comment/report write, under this row's lock. Missing row = all zero.
 */
export const engagementCounters = pgTable(
  'engagement_counters',
  {
    content_type: text().notNull(),
    content_id: uuid().notNull(),
    likes_count: integer().notNull().default(0),
    // Live comments only: not deleted and not hidden.
    comments_count: integer().notNull().default(0),
    // Open reports (by different members); reset when an admin decides.
    open_reports: integer().notNull().default(0),
    // The highest like milestone (1, 10, 100) already announced, so unlike + like does not notify twice.
    likes_milestone: integer().notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.content_type, t.content_id] }),
    check('engagement_counters_non_negative', sql`${t.likes_count} >= 0 AND ${t.comments_count} >= 0 AND ${t.open_reports} >= 0`),
  ],
);

/**
 * Threaded comments on any item. sort_key is the materialized path of (time, id) keys from the
 * root, so ordering by it (byte order) gives a stable depth-first thread: replies under parents.
 */
export const engagementComments = pgTable(
  'engagement_comments',
  {
    id: uuid().primaryKey(),
    content_type: text().notNull(),
    content_id: uuid().notNull(),
    parent_id: uuid(),
    author_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    content: text().notNull(),
    depth: integer().notNull().default(0),
    sort_key: text().notNull(),
    hidden_at: timestamp({ withTimezone: true }),
    deleted_at: timestamp({ withTimezone: true }),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('engagement_comments_thread_idx').on(t.content_type, t.content_id, sql`${t.sort_key} COLLATE "C"`),
    index('engagement_comments_parent_idx').on(t.parent_id),
    index('engagement_comments_author_idx').on(t.author_id, t.created_at.desc().nullsFirst()),
  ],
);

/** A member reports an item once; open reports wait for the moderation queue. */
export const engagementReports = pgTable(
  'engagement_reports',
  {
    id: uuid().primaryKey().defaultRandom(),
    content_type: text().notNull(),
    content_id: uuid().notNull(),
    reporter_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    reason: text({ enum: reportReasons }).notNull(),
    text: text(),
    status: text({ enum: ['open', 'dismissed', 'actioned'] })
      .notNull()
      .default('open'),
    resolved_by: uuid().references(() => users.id, { onDelete: 'set null' }),
    resolved_at: timestamp({ withTimezone: true }),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('engagement_reports_once_key').on(t.content_type, t.content_id, t.reporter_id),
    index('engagement_reports_open_idx')
      .on(t.created_at, t.content_type, t.content_id)
      .where(sql`status = 'open'`),
  ],
);

/** A member's saved items. */
export const engagementBookmarks = pgTable(
  'engagement_bookmarks',
  {
    user_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    content_type: text().notNull(),
    content_id: uuid().notNull(),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.user_id, t.content_type, t.content_id] }),
    index('engagement_bookmarks_list_idx').on(
      t.user_id,
      t.content_type,
      t.created_at.desc().nullsFirst(),
      t.content_id.desc().nullsFirst(),
    ),
  ],
);
