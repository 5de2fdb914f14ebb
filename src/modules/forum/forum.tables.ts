import { sql } from 'drizzle-orm';
import { boolean, customType, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.tables.js';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * A forum post. Counters (likes, comments) live in engagement_counters, kept by the engagement
 * module; the wire shows them as likes_count and comments_count.
 */
export const forumPosts = pgTable(
  'forum_posts',
  {
    id: uuid().primaryKey().defaultRandom(),
    author_id: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text().notNull(),
    // Markdown source, stored as given; clients render it.
    content: text().notNull(),
    // Normalized: trimmed, lower-cased, unique.
    tags: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    is_pinned: boolean().notNull().default(false),
    // Hidden by 3 reports or by a moderator's reject: only the author and admins still see it.
    hidden_at: timestamp({ withTimezone: true }),
    deleted_at: timestamp({ withTimezone: true }),
    search: tsvector().generatedAlwaysAs(sql`to_tsvector('english'::regconfig, title || ' ' || content)`),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updated_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // SEARCH.md's order (pinned first, newest first) over the rows the list can show.
    index('forum_posts_list_idx')
      .on(t.is_pinned.desc().nullsFirst(), t.created_at.desc().nullsFirst(), t.id.desc().nullsFirst())
      .where(sql`deleted_at IS NULL`),
    index('forum_posts_author_idx')
      .on(t.author_id, t.is_pinned.desc().nullsFirst(), t.created_at.desc().nullsFirst(), t.id.desc().nullsFirst())
      .where(sql`deleted_at IS NULL`),
    index('forum_posts_tags_idx').using('gin', t.tags),
    index('forum_posts_search_idx').using('gin', t.search),
  ],
);
