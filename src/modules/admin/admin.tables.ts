import { jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.tables.js';

/**
 * Platform settings changed at run time by admins: one row per setting that differs from its
 * default (settings.rules.ts holds names, types and defaults). Every instance re-reads the table
 * within a few seconds, so a change needs no restart.
 */
export const platformSettings = pgTable('platform_settings', {
  name: text().primaryKey(),
  value: jsonb().notNull(),
  updated_by: uuid().references(() => users.id, { onDelete: 'set null' }),
  updated_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
