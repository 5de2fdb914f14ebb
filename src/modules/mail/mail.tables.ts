import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { MailAttachment } from '../../lib/mail.js';

/** Every message is written here in the transaction of the action that causes it, then delivered by a job. */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: uuid().primaryKey().defaultRandom(),
    to: text().notNull(),
    subject: text().notNull(),
    template: text().notNull(),
    text_body: text().notNull(),
    html_body: text().notNull(),
    /** Files the message carries (null: none), kept until it is sent so a retry sends the same. */
    attachments: jsonb().$type<MailAttachment[]>(),
    status: text({ enum: ['pending', 'sent', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer().notNull().default(0),
    last_error: text(),
    created_at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    sent_at: timestamp({ withTimezone: true }),
  },
  (t) => [index().on(t.status, t.created_at)],
);
