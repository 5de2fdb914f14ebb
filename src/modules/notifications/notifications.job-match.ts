import { inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../../lib/context.js';
import type { Subscriber } from '../../lib/events.js';
import { jobs } from '../jobs/jobs.tables.js';
import { deliver, inTransaction } from './notifications.deliver.js';
import type { NotificationContent } from './notifications.rules.js';
import { jobMatchQueue, jobMatchRecipients, notifications } from './notifications.tables.js';

export const JOB_MATCH_JOB = 'notifications.job-match';
/** Hourly: a member hears of a matching job within the hour, and a posted job costs one row. */
export const JOB_MATCH_CRON = '0 * * * *';
/** People per delivery transaction, as for broadcasts. */
export const JOB_MATCH_BATCH = 500;

/** `job.posted` only queues the job: matching it against the directory is the run's work, not the poster's. */
export const jobMatchSubscriber: Subscriber<AppContext, 'job.posted'> = {
  name: 'notifications.job-match',
  event: 'job.posted',
  async handle(_ctx, { payload }, { tx }) {
    await tx.insert(jobMatchQueue).values({ job_id: payload.jobId }).onConflictDoNothing();
  },
};

/**
 * Takes the queued jobs and records, per member sharing one of a job's required skills, the day's
 * matched jobs (decision 052). One statement: the queue rows it deletes are exactly the jobs it
 * matched, so two runs at once never match a job twice. Posters and inactive accounts are left out.
 */
async function matchQueuedJobs(ctx: AppContext) {
  const { rowCount } = await ctx.db.execute(sql`
    WITH claimed AS (DELETE FROM ${jobMatchQueue} RETURNING job_id),
    matched AS (
      SELECT p.user_id, array_agg(DISTINCT j.id) AS job_ids
      FROM claimed c
      JOIN jobs j ON j.id = c.job_id AND j.deleted_at IS NULL AND j.status = 'active'
      JOIN profiles p ON p.skills_lower && j.skills_required_lower AND p.user_id <> j.posted_by
      JOIN users u ON u.id = p.user_id AND u.status = 'active'
      GROUP BY p.user_id)
    INSERT INTO ${jobMatchRecipients} (day, user_id, job_ids)
    SELECT (now() AT TIME ZONE 'UTC')::date, user_id, job_ids FROM matched
    ON CONFLICT (day, user_id) DO UPDATE
      SET job_ids = ARRAY(SELECT DISTINCT x FROM unnest(${jobMatchRecipients}.job_ids || excluded.job_ids) AS x), pending = true`);
  return rowCount ?? 0;
}

interface MatchedJob {
  id: string;
  title: string;
  company: string;
}

function contentFor(matched: MatchedJob[]): NotificationContent {
  const latest = matched.at(-1)!;
  const metadata = { job_ids: matched.map((j) => j.id) };
  if (matched.length === 1) {
    return {
      title: `New job matching your skills: ${latest.title}`,
      message: `${latest.title} at ${latest.company} matches your skills.`,
      link: `/jobs/${latest.id}`,
      priority: 'low',
      metadata,
    };
  }
  return {
    title: `${matched.length} new jobs match your skills`,
    message: `New jobs match your skills, the latest: ${latest.title}`,
    link: '/jobs',
    priority: 'low',
    metadata,
  };
}

/**
 * Delivers one batch of pending rows in one transaction: the day's first match makes the
 * notification (and its e-mail or digest item, per preferences); later ones rewrite that same
 * notification in place, unread again, with no further mail. Returns false when nothing is left.
 */
async function deliverBatch(ctx: AppContext) {
  return inTransaction(ctx, async (tx, delivery) => {
    const { rows } = await tx.execute<{ day: string; user_id: string; job_ids: string[]; notified: boolean }>(sql`
      SELECT day::text AS day, user_id, job_ids, notified FROM ${jobMatchRecipients}
      WHERE pending ORDER BY day, user_id LIMIT ${JOB_MATCH_BATCH} FOR UPDATE SKIP LOCKED`);
    if (!rows.length) return false;
    const ids = [...new Set(rows.flatMap((r) => r.job_ids))];
    const live = await tx
      .select({ id: jobs.id, title: jobs.title, company: jobs.company })
      .from(jobs)
      .where(inArray(jobs.id, ids))
      .orderBy(jobs.created_at, jobs.id);
    const items = rows
      .map((r) => ({ row: r, key: `job.matching:${r.user_id}:${r.day}`, matched: live.filter((j) => r.job_ids.includes(j.id)) }))
      .filter((i) => i.matched.length);

    const first = items.filter((i) => !i.row.notified);
    await deliver(
      ctx,
      tx,
      'job.matching',
      first.map((i) => ({ userId: i.row.user_id, dedupeKey: i.key, content: contentFor(i.matched) })),
      delivery,
    );
    const later = items.filter((i) => i.row.notified).map((i) => ({ key: i.key, ...contentFor(i.matched) }));
    if (later.length) {
      await tx.execute(sql`
        UPDATE ${notifications} n
        SET title = v.title, message = v.message, link = v.link, metadata = n.metadata || v.metadata,
            is_read = false, read_at = NULL
        FROM unnest(${sql.param(later.map((l) => l.key))}::text[], ${sql.param(later.map((l) => l.title))}::text[],
                    ${sql.param(later.map((l) => l.message))}::text[], ${sql.param(later.map((l) => l.link))}::text[],
                    ${sql.param(later.map((l) => JSON.stringify(l.metadata)))}::jsonb[]) AS v(key, title, message, link, metadata)
        WHERE n.dedupe_key = v.key`);
    }
    // A row whose jobs all went away before delivery made no notification: it stays "not notified",
    // so a later match that day still makes the day's first one.
    const delivered = new Set(items.map((i) => i.row));
    await tx.execute(sql`
      UPDATE ${jobMatchRecipients} r SET pending = false, notified = r.notified OR v.delivered
      FROM unnest(${sql.param(rows.map((r) => r.day))}::date[], ${sql.param(rows.map((r) => r.user_id))}::uuid[],
                  ${sql.param(rows.map((r) => delivered.has(r)))}::boolean[]) AS v(day, user_id, delivered)
      WHERE r.day = v.day AND r.user_id = v.user_id`);
    return true;
  });
}

/**
 * The job-match run (hourly, and whenever called): match the queued jobs, deliver the day's
 * notifications in batches, forget days that are over. Safe to run twice at once or again after a
 * crash: rows are claimed with SKIP LOCKED and a row's job ids are a set, not a counter.
 */
export async function runJobMatches(ctx: AppContext) {
  const matched = await matchQueuedJobs(ctx);
  while (await deliverBatch(ctx));
  await ctx.db.execute(sql`DELETE FROM ${jobMatchRecipients} WHERE NOT pending AND day < (now() AT TIME ZONE 'UTC')::date - 1`);
  return matched;
}
