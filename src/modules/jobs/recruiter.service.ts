import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { cursorTimestamp } from '../../lib/pagination.js';
import { effectiveStatusOf, jobColumns, jobIsOpen, newestFirst, openJobCondition } from './jobs.service.js';
import { applicationStatuses, jobs, type ApplicationStatus } from './jobs.tables.js';
import type { AnalyticsQuery, RecruiterJobsQuery, SummaryQuery } from './recruiter.schemas.js';

type Breakdown = Record<ApplicationStatus, number>;

/** Every status, zero when absent, from a {status: count} object built by SQL. */
const fullBreakdown = (counts: Partial<Breakdown> | null): Breakdown =>
  Object.fromEntries(applicationStatuses.map((s) => [s, Number(counts?.[s] ?? 0)])) as Breakdown;

const breakdownSql = (applications: SQL) =>
  sql`(SELECT coalesce(jsonb_object_agg(s.status, s.n), '{}'::jsonb) FROM (SELECT status, count(*) AS n FROM job_applications WHERE job_id IN (${applications}) GROUP BY status) s)`;

const ownJobs = newestFirst<{ cursor_ts: string; id: string }>('recruiter.jobs', jobs.created_at, jobs.id);

/** The actor's jobs (not deleted), newest first, with each job's applications by status. */
export async function listRecruiterJobs(ctx: AppContext, actor: Actor, query: RecruiterJobsQuery) {
  const status = query.status === 'active' ? openJobCondition : query.status === 'closed' ? sql`NOT ${openJobCondition}` : undefined;
  const rows = await ctx.db
    .select({
      ...jobColumns,
      cursor_ts: cursorTimestamp(jobs.created_at),
      status_breakdown: sql<Partial<Breakdown>>`${breakdownSql(sql`${jobs.id}`)}`,
    })
    .from(jobs)
    .where(and(eq(jobs.posted_by, actor.id), isNull(jobs.deleted_at), status, ownJobs.after(ctx, query.cursor)))
    .orderBy(ownJobs.orderBy)
    .limit(query.limit + 1);
  const page = ownJobs.page(ctx, rows, query.limit);
  return { ...page, results: page.results.map((r) => ({ ...r, status_breakdown: fullBreakdown(r.status_breakdown) })) };
}

/**
 * Per-application first response: the first status change made by someone other than the applicant
 * (the poster opening it counts, the applicant withdrawing does not).
 */
const FIRST_RESPONSE = sql.raw(`(SELECT min(h.created_at) FROM application_status_history h
  WHERE h.application_id = a.id AND h.from_status IS NOT NULL AND h.changed_by IS DISTINCT FROM a.applicant_id)`);

/** The aggregate columns over an `apps` relation (a: job_applications + first_response_at). */
const FIGURES = sql.raw(`count(a.id)::int AS applications,
  count(a.first_response_at)::int AS responded_applications,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.first_response_at - a.applied_at)::float8)
    FILTER (WHERE a.first_response_at IS NOT NULL) AS median_seconds,
  ${applicationStatuses.map((s) => `count(a.id) FILTER (WHERE a.status = '${s}')::int AS "${s}"`).join(',\n  ')}`);

type FigureRow = Record<ApplicationStatus, number> & {
  views: number;
  applications: number;
  responded_applications: number;
  median_seconds: number | null;
};

const figuresOf = (row: FigureRow) => ({
  views: Number(row.views),
  applications: row.applications,
  // Applications per view; views count only readers other than the poster, so it can exceed 1.
  conversion_rate: Number(row.views) > 0 ? Math.round((row.applications / Number(row.views)) * 10_000) / 10_000 : null,
  responded_applications: row.responded_applications,
  median_time_to_first_response_seconds: row.median_seconds === null ? null : Math.round(row.median_seconds),
  status_breakdown: fullBreakdown(row),
});

/** The jobs of the raw statements below, aliased `j`. */
const j = {
  created_at: sql.raw('j.created_at'),
  id: sql.raw('j.id'),
  status: sql.raw('j.status'),
  application_deadline: sql.raw('j.application_deadline'),
};
const analyticsPages = newestFirst<{ cursor_ts: string; id: string }>('recruiter.analytics', j.created_at, j.id);

/** Per job (a page of the actor's jobs) and in total; all figures come from SQL aggregates. */
export async function recruiterAnalytics(ctx: AppContext, actor: Actor, query: AnalyticsQuery) {
  const after = analyticsPages.after(ctx, query.cursor) ?? sql`TRUE`;
  const perJob = ctx.db.execute<
    FigureRow & { job_id: string; title: string; status: 'active' | 'closed'; created_at: Date; cursor_ts: string }
  >(sql`
    WITH page AS (
      SELECT j.id, j.title, j.created_at, ${cursorTimestamp(j.created_at)} AS cursor_ts, j.views_count,
        ${effectiveStatusOf(jobIsOpen(j))} AS status
      FROM jobs j
      WHERE j.posted_by = ${actor.id} AND j.deleted_at IS NULL AND ${after}
      ORDER BY ${analyticsPages.orderBy}
      LIMIT ${query.limit + 1}
    ), apps AS (
      SELECT a.id, a.job_id, a.status, a.applied_at, ${FIRST_RESPONSE} AS first_response_at
      FROM job_applications a WHERE a.job_id IN (SELECT id FROM page)
    )
    SELECT p.id AS job_id, p.title, p.status, p.created_at, p.cursor_ts, p.views_count AS views, ${FIGURES}
    FROM page p LEFT JOIN apps a ON a.job_id = p.id
    GROUP BY p.id, p.title, p.status, p.created_at, p.cursor_ts, p.views_count
    ORDER BY p.created_at DESC, p.id DESC`);
  const totals = ctx.db.execute<FigureRow & { jobs: number; active_jobs: number }>(sql`
    WITH own AS (
      SELECT j.id, j.views_count,
        ${jobIsOpen(j)} AS open
      FROM jobs j WHERE j.posted_by = ${actor.id} AND j.deleted_at IS NULL
    ), apps AS (
      SELECT a.id, a.status, a.applied_at, ${FIRST_RESPONSE} AS first_response_at
      FROM job_applications a WHERE a.job_id IN (SELECT id FROM own)
    )
    SELECT (SELECT count(*)::int FROM own) AS jobs,
      (SELECT count(*)::int FROM own WHERE open) AS active_jobs,
      (SELECT coalesce(sum(views_count), 0)::int FROM own) AS views,
      ${FIGURES}
    FROM apps a`);
  const [pageRows, totalRows] = await Promise.all([perJob, totals]);
  const page = analyticsPages.page(
    ctx,
    pageRows.rows.map((r) => ({ ...r, id: r.job_id })),
    query.limit,
  );
  const total = totalRows.rows[0];
  return {
    totals: { jobs: total.jobs, active_jobs: total.active_jobs, ...figuresOf(total) },
    results: page.results.map((r) => ({ job_id: r.job_id, title: r.title, status: r.status, created_at: r.created_at, ...figuresOf(r) })),
    next_cursor: page.next_cursor,
  };
}

/** Applications to the actor's jobs: current counts by status, and received per day or week over `days`. */
export async function applicationsSummary(ctx: AppContext, actor: Actor, query: SummaryQuery) {
  const unit = query.interval === 'week' ? 'week' : 'day';
  const byStatus = ctx.db.execute<FigureRow>(sql`
    SELECT count(a.id)::int AS applications,
      ${sql.raw(applicationStatuses.map((s) => `count(a.id) FILTER (WHERE a.status = '${s}')::int AS "${s}"`).join(', '))}
    FROM job_applications a JOIN jobs j ON j.id = a.job_id
    WHERE j.posted_by = ${actor.id} AND j.deleted_at IS NULL`);
  // Periods are UTC calendar days (or ISO weeks, Monday first); the window starts at 00:00 UTC `days - 1` days ago.
  const overTime = ctx.db.execute<{ period_start: Date; applications: number; since: Date }>(sql`
    WITH bounds AS (
      SELECT date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => ${query.days - 1}) AS since
    ), buckets AS (
      SELECT generate_series(date_trunc(${unit}, (SELECT since FROM bounds)), date_trunc(${unit}, now() AT TIME ZONE 'UTC'),
        ${`1 ${unit}`}::interval) AS period_start
    ), recent AS (
      SELECT date_trunc(${unit}, a.applied_at AT TIME ZONE 'UTC') AS period_start
      FROM job_applications a JOIN jobs j ON j.id = a.job_id
      WHERE j.posted_by = ${actor.id} AND j.deleted_at IS NULL
        AND a.applied_at >= (SELECT since FROM bounds) AT TIME ZONE 'UTC'
    )
    SELECT b.period_start AT TIME ZONE 'UTC' AS period_start, count(r.period_start)::int AS applications,
      (SELECT since FROM bounds) AT TIME ZONE 'UTC' AS since
    FROM buckets b LEFT JOIN recent r ON r.period_start = b.period_start
    GROUP BY b.period_start ORDER BY b.period_start`);
  const [statusRows, timeRows] = await Promise.all([byStatus, overTime]);
  const counts = statusRows.rows[0];
  return {
    days: query.days,
    interval: unit,
    since: timeRows.rows[0].since,
    total: counts.applications,
    by_status: fullBreakdown(counts),
    received_in_window: timeRows.rows.reduce((sum, r) => sum + r.applications, 0),
    over_time: timeRows.rows.map((r) => ({ period_start: r.period_start, applications: r.applications })),
  };
}
