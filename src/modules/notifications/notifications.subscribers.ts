import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { AppContext } from '../../lib/context.js';
import type { EventName, Subscriber } from '../../lib/events.js';
import { users } from '../auth/auth.tables.js';
import { jobs } from '../jobs/jobs.tables.js';
import { profiles } from '../profiles/profiles.tables.js';
import { deliver } from './notifications.deliver.js';
import type { NotificationRule } from './notifications.rules.js';
import { notificationDigests, notifications } from './notifications.tables.js';

/** Turns one event into notifications through the rules registered for it (notifications.registry.ts). */
export function rulesSubscriber(rules: NotificationRule<any>[]): Subscriber<AppContext, any> {
  return {
    name: 'notifications',
    event: [...new Set(rules.map((r) => r.event as EventName))],
    async handle(ctx, envelope, { tx, afterCommit }) {
      for (const rule of rules.filter((r) => r.event === envelope.type)) {
        const recipients = [...new Set(rule.recipients(envelope.payload))];
        const items = [];
        for (const userId of recipients) {
          // A transaction is a database handle: rules read what the publisher committed.
          const content = await rule.render(tx as Db, envelope.payload, userId);
          const attachments = rule.attachments
            ? () => rule.attachments!(tx as Db, envelope.payload, userId, { publicUrl: ctx.config.publicUrl })
            : undefined;
          items.push({ userId, content, dedupeKey: `${envelope.id}:${rule.type}:${userId}`, attachments });
        }
        await deliver(ctx, tx, rule.type, items, { afterCommit });
      }
    },
  };
}

/**
 * New job matching a member's skills (any of the job's required skills among the profile's), at most
 * one notification a day per person: the day's first match creates it (and its e-mail); later ones
 * the same day update it in place ("3 new jobs match your skills"), with no further mail.
 */
export const jobMatchSubscriber: Subscriber<AppContext, 'job.posted'> = {
  name: 'notifications.job-match',
  event: 'job.posted',
  async handle(ctx, { payload }, { tx, afterCommit }) {
    const [job] = await tx
      .select({ id: jobs.id, title: jobs.title, company: jobs.company, skills: jobs.skills_required_lower })
      .from(jobs)
      .where(and(eq(jobs.id, payload.jobId), isNull(jobs.deleted_at)));
    if (!job || !job.skills.length) return;
    const matched = await tx
      .select({ id: profiles.user_id })
      .from(profiles)
      .innerJoin(users, eq(users.id, profiles.user_id))
      .where(and(sql`${profiles.skills_lower} && ${sql.param(job.skills)}::text[]`, ne(profiles.user_id, payload.postedBy), eq(users.status, 'active')));
    if (!matched.length) return;
    // The day's key per person: inserted = first match today; conflict = count one more.
    const { rows: firsts } = await tx.execute<{ user_id: string; items: number; day: string }>(sql`
      INSERT INTO ${notificationDigests} (user_id, day, kind, items)
      SELECT u, (now() AT TIME ZONE 'UTC')::date, 'job.matching', 1 FROM unnest(${sql.param(matched.map((m) => m.id))}::uuid[]) AS u
      ON CONFLICT (user_id, day, kind) DO UPDATE SET items = ${notificationDigests}.items + 1
      RETURNING user_id, items, day::text AS day`);
    const keyOf = (f: { user_id: string; day: string }) => `job.matching:${f.user_id}:${f.day}`;
    const first = firsts.filter((f) => f.items === 1);
    await deliver(
      ctx,
      tx,
      'job.matching',
      first.map((f) => ({
        userId: f.user_id,
        dedupeKey: keyOf(f),
        content: {
          title: `New job matching your skills: ${job.title}`,
          message: `${job.title} at ${job.company} matches your skills.`,
          link: `/jobs/${job.id}`,
          priority: 'low',
          metadata: { job_ids: [job.id] },
        },
      })),
      { afterCommit },
    );
    const later = firsts.filter((f) => f.items > 1);
    if (later.length) {
      await tx
        .update(notifications)
        .set({
          title: sql`(coalesce(jsonb_array_length(${notifications.metadata} -> 'job_ids'), 0) + 1)::text || ' new jobs match your skills'`,
          message: sql`'New jobs match your skills, the latest: ' || ${job.title}`,
          link: '/jobs',
          is_read: false,
          read_at: null,
          metadata: sql`jsonb_set(${notifications.metadata}, '{job_ids}', coalesce(${notifications.metadata} -> 'job_ids', '[]'::jsonb) || ${JSON.stringify([job.id])}::jsonb)`,
        })
        .where(sql`${notifications.dedupe_key} = ANY(${sql.param(later.map(keyOf))}::text[])`);
    }
  },
};
