import { eq, sql, TransactionRollbackError } from 'drizzle-orm';
import type { AppContext } from '../../lib/context.js';
import type { JobDefinition } from '../../lib/jobs.js';
import { users } from '../auth/auth.tables.js';
import { deliverSoon, enqueueMail } from '../mail/mail.service.js';
import { BROADCAST_JOB, runBroadcast } from './notifications.broadcast.js';
import { JOB_MATCH_CRON, JOB_MATCH_JOB, runJobMatches } from './notifications.job-match.js';
import { notificationDigestItems, notificationDigests } from './notifications.tables.js';

export const DIGEST_JOB = 'notifications.daily-digest';

/**
 * The daily e-mail digest for people who chose `daily_digest`: one mail per person per day, exactly
 * once across workers and restarts. Per person, one transaction takes the day's key (the primary key
 * of notification_digests: a second firing waits, then finds it taken), consumes the waiting items
 * and writes the mail to the outbox. Nothing waiting → nothing sent, and the key stays free.
 */
export async function runDailyDigest(ctx: AppContext) {
  const { rows: people } = await ctx.db.execute<{ user_id: string }>(sql`SELECT DISTINCT user_id FROM ${notificationDigestItems}`);
  const sent: string[] = [];
  for (const { user_id } of people) {
    const mailId = await ctx.db
      .transaction(async (tx) => {
        const { rows: key } = await tx.execute(sql`
        INSERT INTO ${notificationDigests} (user_id, day, kind, items)
        VALUES (${user_id}, (now() AT TIME ZONE 'UTC')::date, 'email', 0)
        ON CONFLICT DO NOTHING RETURNING user_id`);
        if (!key.length) return null; // today's digest went out already; these wait for tomorrow's
        const items = await tx.delete(notificationDigestItems).where(eq(notificationDigestItems.user_id, user_id)).returning();
        const [person] = await tx
          .select({ email: users.email, name: users.name, status: users.status })
          .from(users)
          .where(eq(users.id, user_id));
        if (!items.length || !person || person.status !== 'active') {
          tx.rollback(); // leaves no key behind: a later firing today may still send
        }
        items.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
        await tx.execute(sql`UPDATE ${notificationDigests} SET items = ${items.length}
        WHERE user_id = ${user_id} AND day = (now() AT TIME ZONE 'UTC')::date AND kind = 'email'`);
        return enqueueMail(ctx, tx, person!.email, 'notification-digest', {
          name: person!.name,
          items: items.map((i) => ({ title: i.title, message: i.message, link: i.link })),
        });
      })
      .catch((err: unknown) => {
        if (err instanceof TransactionRollbackError) return null;
        throw err;
      });
    if (mailId) sent.push(mailId);
  }
  deliverSoon(ctx, sent);
  return sent.length;
}

export const notificationJobs: JobDefinition<AppContext, any>[] = [
  { name: DIGEST_JOB, cron: '0 7 * * *', handle: async (ctx) => void (await runDailyDigest(ctx)) },
  { name: JOB_MATCH_JOB, cron: JOB_MATCH_CRON, handle: async (ctx) => void (await runJobMatches(ctx)) },
  { name: BROADCAST_JOB, handle: (ctx, data: { broadcastId: string }) => runBroadcast(ctx, data.broadcastId) },
];
