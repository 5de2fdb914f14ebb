import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { AppContext } from '../../lib/context.js';
import type { JobDefinition } from '../../lib/jobs.js';
import './events.domain-events.js';
import { eventRemindersSent, eventRsvps, events } from './events.tables.js';

export const REMINDER_QUEUE = 'events.reminder';
export const REMINDER_LEAD_MS = 24 * 3600 * 1000;

export interface ReminderJob {
  eventId: string;
  /** The start time the reminder was scheduled for; a job for a start the event no longer has does nothing. */
  startDate: string;
}

/**
 * Queues the reminder for this start time in the caller's transaction (it exists only if the write
 * commits). An event starting within 24 hours gets none: the RSVP confirmation already says when.
 * A moved event simply gets a new job; the old one finds a different start and does nothing.
 */
export async function scheduleEventReminder(ctx: AppContext, tx: Tx, eventId: string, startDate: Date) {
  const startAfter = new Date(startDate.getTime() - REMINDER_LEAD_MS);
  if (startAfter.getTime() <= Date.now()) return;
  const iso = startDate.toISOString();
  const data: ReminderJob = { eventId, startDate: iso };
  await ctx.jobs.send(tx, REMINDER_QUEUE, data, { startAfter, singletonKey: `${eventId}:${iso}` });
}

/**
 * Reminds everyone attending, exactly once per (event, member, start time): the sent-markers are
 * inserted with ON CONFLICT DO NOTHING and only the rows this run inserted are notified, in the same
 * transaction as the markers. A second run, a retry after a crash, or a twin on another worker
 * inserts nothing and so publishes nothing. Cancelled, deleted, ended or moved events: nothing.
 */
export async function sendEventReminders(ctx: AppContext, job: ReminderJob) {
  const startDate = new Date(job.startDate);
  return ctx.db.transaction(async (tx) => {
    const [event] = await tx
      .select({ id: events.id })
      .from(events)
      .where(
        and(
          eq(events.id, job.eventId),
          isNull(events.deleted_at),
          isNull(events.cancelled_at),
          eq(events.start_date, startDate),
          sql`${events.end_date} > now()`,
        ),
      );
    if (!event) return [];
    const inserted = await tx.execute<{ user_id: string }>(sql`
      INSERT INTO ${eventRemindersSent} (event_id, user_id, start_date)
      SELECT ${eventRsvps.event_id}, ${eventRsvps.user_id}, ${startDate.toISOString()}::timestamptz
        FROM ${eventRsvps}
       WHERE ${eventRsvps.event_id} = ${job.eventId} AND ${eventRsvps.status} = 'attending'
      ON CONFLICT DO NOTHING
      RETURNING user_id`);
    const userIds = inserted.rows.map((r) => r.user_id);
    if (userIds.length) await ctx.events.publish(tx, 'event.reminder_due', { eventId: job.eventId, startDate: job.startDate, userIds });
    return userIds;
  });
}

export const eventJobs: JobDefinition<AppContext, ReminderJob>[] = [
  { name: REMINDER_QUEUE, handle: async (ctx, data) => void (await sendEventReminders(ctx, data)) },
];
