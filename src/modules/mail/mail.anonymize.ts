import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { mailOutbox } from './mail.tables.js';

/**
 * A deleted account's mail (admin soft delete): the outbox rows to its address keep only that a
 * message of a template existed; address, subject, bodies and attachments are replaced and unsent
 * ones are never sent.
 */
export async function anonymizeMailTo(tx: Tx, email: string, placeholder: string) {
  await tx
    .update(mailOutbox)
    .set({
      to: placeholder,
      subject: '(removed)',
      text_body: '',
      html_body: '',
      attachments: null,
      status: sql`CASE WHEN ${mailOutbox.status} = 'pending' THEN 'failed' ELSE ${mailOutbox.status} END`,
      last_error: sql`CASE WHEN ${mailOutbox.status} = 'pending' THEN 'recipient deleted' ELSE ${mailOutbox.last_error} END`,
    })
    .where(sql`lower(${mailOutbox.to}) = lower(${email})`);
}
