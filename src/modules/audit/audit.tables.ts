import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../auth/auth.tables.js';

/**
 * One row per admin write anywhere in Cohort, written in the same transaction as the write.
 * Append-only: a trigger refuses UPDATE and DELETE (custom migration).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid().primaryKey().defaultRandom(),
    // Null for writes without a signed-in admin (the CLI's import, start-up's ADMIN_EMAIL).
    admin_id: uuid().references(() => users.id, { onDelete: 'set null' }),
    action_type: text().notNull(),
    target_type: text().notNull(),
    target_id: text(),
    description: text().notNull(),
    metadata: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    ip: text(),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('audit_log_created_idx').on(t.created_at.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('audit_log_admin_idx').on(t.admin_id, t.created_at.desc().nullsFirst()),
    index('audit_log_action_idx').on(t.action_type, t.created_at.desc().nullsFirst()),
    index('audit_log_target_idx').on(t.target_type, t.target_id),
  ],
);
