import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { cachedIn } from '../../lib/cache.js';
import type { AppContext } from '../../lib/context.js';
import { badRequest } from '../../lib/errors.js';
import { parseDateRange, roles } from '../../lib/schemas.js';
import { notificationsChartSeries, notificationsMetricSource } from '../notifications/notifications.dashboard.js';

/**
 * Dashboard figures. Each module contributes ONE entry to `metricSources` (and `chartSeries`): a
 * single aggregate query returning its figures with their change over the last 30 days (items
 * created in that window). Events, mentorship, forum and notifications add theirs the same way.
 */
export interface Figure {
  name: string;
  label: string;
  total: number;
  change_30d: number;
}
export interface MetricSource {
  module: string;
  figures(db: Db): Promise<Figure[]>;
}

const recent = (column: string) => sql.raw(`${column} > now() - interval '30 days'`);

/** One aggregate row → figures: `spec` maps a figure name to [label, total FILTER, change FILTER]. */
async function aggregate(db: Db, from: SQL, spec: Record<string, [string, SQL, SQL]>): Promise<Figure[]> {
  const names = Object.keys(spec);
  const columns = names.flatMap((name, i) => [
    sql`count(*) FILTER (WHERE ${spec[name][1]})::int AS ${sql.raw(`t${i}`)}`,
    sql`count(*) FILTER (WHERE ${spec[name][1]} AND ${spec[name][2]})::int AS ${sql.raw(`c${i}`)}`,
  ]);
  const { rows } = await db.execute<Record<string, number>>(sql`SELECT ${sql.join(columns, sql`, `)} FROM ${from}`);
  return names.map((name, i) => ({ name, label: spec[name][0], total: rows[0][`t${i}`], change_30d: rows[0][`c${i}`] }));
}

const usersSource: MetricSource = {
  module: 'users',
  // One hash aggregate into a handful of groups (role × status × e-mail verified), summed here:
  // cheaper than a dozen FILTER counts over every row.
  figures: async (db) => {
    const { rows } = await db.execute<{
      role: string;
      status: string;
      is_verified: boolean;
      n: number;
      recent: number;
      recent_update: number;
    }>(sql`
      SELECT role, status, is_verified, count(*)::int AS n,
        count(*) FILTER (WHERE ${recent('created_at')})::int AS recent,
        count(*) FILTER (WHERE ${recent('updated_at')})::int AS recent_update
      FROM users GROUP BY role, status, is_verified`);
    const sum = (
      label: string,
      name: string,
      match: (r: (typeof rows)[number]) => boolean,
      change: 'recent' | 'recent_update' = 'recent',
    ): Figure => ({
      name,
      label,
      total: rows.filter(match).reduce((a, r) => a + r.n, 0),
      change_30d: rows.filter(match).reduce((a, r) => a + r[change], 0),
    });
    const live = (r: (typeof rows)[number]) => r.status !== 'deleted';
    return [
      sum('Users (not deleted)', 'users.total', live),
      ...roles.map((role) => sum(`Users: ${role}`, `users.${role}`, (r) => live(r) && r.role === role)),
      sum('E-mail-verified users', 'users.email_verified', (r) => live(r) && r.is_verified),
      sum('Suspended users', 'users.suspended', (r) => r.status === 'suspended', 'recent_update'),
    ];
  },
};

const verificationSource: MetricSource = {
  module: 'verification',
  figures: async (db) => [
    // (`from` may carry a WHERE: here it cuts the join to verified profiles first.)
    ...(await aggregate(db, sql`profiles p JOIN users u ON u.id = p.user_id WHERE p.is_verified`, {
      'alumni.verified': ['Verified alumni', sql`u.role = 'alumni' AND u.status = 'active'`, recent('p.verified_at')],
    })),
    ...(await aggregate(db, sql`profile_verification_requests`, {
      'verifications.pending': ['Pending verifications', sql`status = 'pending'`, recent('requested_at')],
    })),
  ],
};

const jobsSource: MetricSource = {
  module: 'jobs',
  figures: async (db) => [
    ...(await aggregate(db, sql`jobs`, {
      'jobs.total': ['Jobs posted', sql`deleted_at IS NULL`, recent('created_at')],
      // "Active" as the jobs board defines it (jobs.service openJobCondition): open and before its deadline.
      'jobs.active': [
        'Active jobs',
        sql`deleted_at IS NULL AND status = 'active' AND (application_deadline IS NULL OR application_deadline > now())`,
        recent('created_at'),
      ],
    })),
    ...(await aggregate(db, sql`job_applications`, {
      'applications.total': ['Job applications', sql`true`, recent('applied_at')],
    })),
  ],
};

const eventsSource: MetricSource = {
  module: 'events',
  figures: async (db) => [
    ...(await aggregate(db, sql`events WHERE deleted_at IS NULL`, {
      'events.total': ['Events', sql`true`, recent('created_at')],
      'events.upcoming': ['Upcoming events', sql`cancelled_at IS NULL AND end_date > now()`, recent('created_at')],
    })),
    ...(await aggregate(db, sql`event_rsvps r JOIN events e ON e.id = r.event_id AND e.deleted_at IS NULL`, {
      'rsvps.attending': ['RSVPs (attending or maybe)', sql`r.status IN ('attending', 'maybe')`, recent('r.created_at')],
    })),
  ],
};

const mentorshipSource: MetricSource = {
  module: 'mentorship',
  figures: async (db) => [
    ...(await aggregate(db, sql`mentorship_requests`, {
      'mentorship.requests': ['Mentorship requests', sql`true`, recent('requested_at')],
    })),
    ...(await aggregate(db, sql`mentorships`, {
      'mentorship.active': ['Active mentorships', sql`status = 'active'`, recent('started_at')],
    })),
  ],
};

const forumSource: MetricSource = {
  module: 'forum',
  figures: async (db) => [
    ...(await aggregate(db, sql`forum_posts WHERE deleted_at IS NULL`, {
      'forum.posts': ['Forum posts', sql`true`, recent('created_at')],
    })),
    ...(await aggregate(db, sql`engagement_comments WHERE deleted_at IS NULL`, {
      'forum.comments': ['Comments', sql`true`, recent('created_at')],
    })),
  ],
};

/** One source per module; each is one or two aggregate statements (cached together below). */
export const metricSources: MetricSource[] = [
  usersSource,
  verificationSource,
  jobsSource,
  eventsSource,
  mentorshipSource,
  forumSource,
  notificationsMetricSource,
];

/** Totals reflect a committed write within METRICS_CACHE_SECONDS (≤ 10 s, as the issue allows). */
export const METRICS_CACHE_SECONDS = 5;

export async function dashboardMetrics(ctx: AppContext) {
  return cachedIn(ctx, 'dashboard', 'metrics', METRICS_CACHE_SECONDS, async () => {
    const figures = await Promise.all(metricSources.map((s) => s.figures(ctx.db)));
    return { generated_at: new Date().toISOString(), metrics: figures.flat() };
  });
}

// ---- charts ------------------------------------------------------------------------------------

export interface ChartSeries {
  name: string;
  label: string;
  /** `FROM … WHERE …` rows with a timestamp column `at`. */
  source: SQL;
}

/** One entry per series; events (participation) and mentorship (activity) add theirs at merge. */
export const chartSeries: ChartSeries[] = [
  { name: 'user_growth', label: 'New users', source: sql`SELECT created_at AS at FROM users` },
  { name: 'job_postings', label: 'Jobs posted', source: sql`SELECT created_at AS at FROM jobs` },
  { name: 'job_applications', label: 'Job applications', source: sql`SELECT applied_at AS at FROM job_applications` },
  {
    name: 'event_participation',
    label: 'RSVPs (attending or maybe)',
    source: sql`SELECT created_at AS at FROM event_rsvps WHERE status IN ('attending', 'maybe')`,
  },
  { name: 'mentorship_activity', label: 'Mentorship sessions scheduled', source: sql`SELECT created_at AS at FROM mentorship_sessions` },
  { name: 'forum_activity', label: 'Forum posts', source: sql`SELECT created_at AS at FROM forum_posts WHERE deleted_at IS NULL` },
  notificationsChartSeries,
];

export const MAX_BUCKETS = 1000;
const DAY = 86_400_000;
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const BUCKET_DAYS = { day: 1, week: 7, month: 31 } as const;

export async function dashboardCharts(
  ctx: AppContext,
  { bucket = 'day', ...query }: { bucket?: 'day' | 'week' | 'month'; from?: string; to?: string },
) {
  const { from: givenFrom, to: givenTo } = parseDateRange(query);
  const to = givenTo ? new Date(givenTo) : new Date();
  // 30 days before a `to` near year 0001 would leave the years PostgreSQL stores: start at the earliest.
  const from = givenFrom ? new Date(givenFrom) : new Date(Math.max(to.getTime() - 30 * DAY, EARLIEST));
  // Both given: parseDateRange checked them; a `from` after the default `to` (now) is the same mistake.
  if (from > to) throw badRequest('from', 'must not be after to');
  if ((to.getTime() - from.getTime()) / DAY / BUCKET_DAYS[bucket] > MAX_BUCKETS) {
    throw badRequest('from', `the range must hold at most ${MAX_BUCKETS} buckets of a ${bucket}`);
  }
  const key = `charts:${bucket}:${from.toISOString()}:${to.toISOString()}`;
  return cachedIn(ctx, 'dashboard', key, METRICS_CACHE_SECONDS, async () => {
    const unit = sql.raw(`'${bucket}'`);
    // Buckets in UTC; weeks start on Monday (ISO). The range covers whole buckets from `from`'s to `to`'s.
    const series = await Promise.all(
      chartSeries.map(async (s) => {
        const { rows } = await ctx.db.execute<{ start: string; value: number }>(sql`
          WITH buckets AS (
            SELECT generate_series(date_trunc(${unit}, ${from.toISOString()}::timestamptz AT TIME ZONE 'UTC'),
                                   date_trunc(${unit}, ${to.toISOString()}::timestamptz AT TIME ZONE 'UTC'),
                                   ${sql.raw(`interval '1 ${bucket}'`)}) AS start
          ), counts AS (
            SELECT date_trunc(${unit}, at AT TIME ZONE 'UTC') AS start, count(*)::int AS value
            FROM (${s.source}) src
            WHERE at >= date_trunc(${unit}, ${from.toISOString()}::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
              AND at < (date_trunc(${unit}, ${to.toISOString()}::timestamptz AT TIME ZONE 'UTC') + ${sql.raw(`interval '1 ${bucket}'`)}) AT TIME ZONE 'UTC'
            GROUP BY 1
          )
          SELECT to_char(b.start, 'YYYY-MM-DD"T"00:00:00"Z"') AS start, coalesce(c.value, 0)::int AS value
          FROM buckets b LEFT JOIN counts c ON c.start = b.start ORDER BY b.start`);
        return { name: s.name, label: s.label, points: rows };
      }),
    );
    return { bucket: bucket, from: from.toISOString(), to: to.toISOString(), series };
  });
}
