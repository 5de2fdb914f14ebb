/**
 * Issue 15 (admin console): BENCH_ADMIN_PROFILES members (100,000) with profiles and a year of
 * activity (5,000 jobs, 30,000 applications, two sign-ins each and as many token refreshes),
 * written by SQL; then the dashboard metrics and every analytics endpoint loaded as the bench admin
 * on Cohort and on a floor running the same SQL (the dashboard's captured from Cohort's own
 * `metricSources`) with the same cache lifetimes, Cohort, floor, floor, Cohort (ABBA). Also timed
 * once each: the uncached computations, and geocoding every profile's location without a result cache.
 */
import { PgDialect } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import { metricSources } from '../src/modules/admin/dashboard.service.js';
import { createGeocoder, geocodeCached } from '../src/modules/admin/geocode.js';
import {
  compare,
  FloorError,
  log,
  round,
  settings,
  type BenchRun,
  type FloorContext,
  type FloorRoute,
  type Scenario,
  type Target,
} from './lib.js';

// ---------------------------------------------------------------------------------------------
// The SQL both servers run (Cohort through its services; the floor as plain pg queries)

/** The dashboard's queries, captured from Cohort's own metric sources so the floor runs the very same text. */
async function capturedMetricQueries() {
  const dialect = new PgDialect();
  const perSource: { text: string; values: unknown[] }[][] = [];
  for (const source of metricSources) {
    const queries: { text: string; values: unknown[] }[] = [];
    const capture = {
      execute: async (query: SQL) => {
        const { sql, params } = dialect.sqlToQuery(query);
        queries.push({ text: sql, values: params });
        return { rows: [{}] };
      },
    };
    await source.figures(capture as never);
    perSource.push(queries);
  }
  return perSource;
}

// As in src/modules/admin/analytics.service.ts (listed profiles; setting "verified alumni only" off).
const LISTED = `p.directory_visible AND NOT p.owner_deleted`;
const SKILLS_SQL = `WITH spellings AS (
    SELECT s, count(*)::int AS n FROM profiles p CROSS JOIN LATERAL unnest(p.skills) AS s WHERE ${LISTED} GROUP BY s)
  SELECT (array_agg(s ORDER BY n DESC, s COLLATE "C"))[1] AS value, sum(n)::int AS count
  FROM spellings GROUP BY lower(s) ORDER BY count DESC, lower(s) COLLATE "C" LIMIT 1000`;
const LOCATIONS_SQL = `SELECT p.location, count(*)::int AS count FROM profiles p WHERE ${LISTED} GROUP BY p.location`;
const ENGAGEMENT_SQL = `WITH a AS (
    SELECT s.user_id, s.created_at AS at FROM sessions s WHERE s.created_at > now() - make_interval(days => 30)
    UNION ALL
    SELECT s.user_id, r.created_at FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.created_at > now() - make_interval(days => 30))
  SELECT count(DISTINCT user_id) FILTER (WHERE at > now() - interval '1 day')::int AS dau,
         count(DISTINCT user_id) FILTER (WHERE at > now() - interval '7 days')::int AS wau,
         count(DISTINCT user_id) FILTER (WHERE at > now() - interval '30 days')::int AS mau,
         (SELECT count(*)::int FROM users WHERE status = 'active') AS active_accounts
  FROM a`;
const ENGAGEMENT_DAILY_SQL = `WITH a AS (
    SELECT s.user_id, s.created_at AS at FROM sessions s WHERE s.created_at > now() - make_interval(days => 30)
    UNION ALL
    SELECT s.user_id, r.created_at FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.created_at > now() - make_interval(days => 30)),
  days AS (SELECT generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => 29), date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS day),
  counts AS (SELECT date_trunc('day', at AT TIME ZONE 'UTC') AS day, count(DISTINCT user_id)::int AS count FROM a GROUP BY 1)
  SELECT to_char(d.day, 'YYYY-MM-DD') AS day, coalesce(c.count, 0)::int AS count FROM days d LEFT JOIN counts c ON c.day = d.day ORDER BY d.day`;

const COMPANIES_SQL = `WITH spellings AS (
    SELECT p.current_company AS c, count(*)::int AS n FROM profiles p WHERE ${LISTED} AND p.current_company IS NOT NULL GROUP BY p.current_company)
  SELECT (array_agg(c ORDER BY n DESC, c COLLATE "C"))[1] AS value, sum(n)::int AS count
  FROM spellings GROUP BY lower(c) ORDER BY count DESC, lower(c) COLLATE "C" LIMIT 1000`;
const BATCHES_SQL = `SELECT p.batch_year, count(*)::int AS count FROM profiles p JOIN users u ON u.id = p.user_id
  WHERE ${LISTED} AND p.batch_year IS NOT NULL AND u.role = 'alumni' GROUP BY p.batch_year ORDER BY p.batch_year`;
const JOB_TYPES_SQL = `SELECT job_type, count(*)::int AS total,
    count(*) FILTER (WHERE status = 'active' AND (application_deadline IS NULL OR application_deadline > now()))::int AS active
  FROM jobs WHERE deleted_at IS NULL GROUP BY job_type ORDER BY total DESC, job_type`;
const JOB_MONTHS_SQL = `WITH months AS (
    SELECT generate_series(date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => 11), date_trunc('month', now() AT TIME ZONE 'UTC'), interval '1 month') AS month),
  counts AS (SELECT date_trunc('month', created_at AT TIME ZONE 'UTC') AS month, count(*)::int AS count FROM jobs
    WHERE created_at >= (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => 11)) AT TIME ZONE 'UTC' GROUP BY 1)
  SELECT to_char(m.month, 'YYYY-MM') AS month, coalesce(c.count, 0)::int AS count FROM months m LEFT JOIN counts c ON c.month = m.month ORDER BY m.month`;
// Uncached in Cohort too: one statement per request.
const MENTORSHIP_SQL = `SELECT (SELECT count(*) FROM mentor_profiles)::int AS mentors, (SELECT count(*) FROM mentor_profiles WHERE is_available)::int AS available,
    r.*, (SELECT count(*) FROM mentorships WHERE status = 'active')::int AS active_mentorships, s.*
  FROM (SELECT count(*)::int AS requests, count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'accepted')::int AS accepted,
          count(*) FILTER (WHERE status = 'rejected')::int AS rejected, count(*) FILTER (WHERE status = 'expired')::int AS expired,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM coalesce(accepted_at, rejected_at) - requested_at)::float8)
            FILTER (WHERE status IN ('accepted', 'rejected')) AS median_seconds FROM mentorship_requests) r,
       (SELECT count(*)::int AS sessions, count(*) FILTER (WHERE status = 'scheduled')::int AS scheduled, count(*) FILTER (WHERE status = 'completed')::int AS completed,
          count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled, round(avg(rating), 2)::float8 AS average_rating, count(rating)::int AS ratings_count
        FROM mentorship_sessions) s`;
const PARTICIPATION_SQL = `WITH answers AS (
    SELECT r.event_id, count(*) FILTER (WHERE r.status = 'maybe')::int AS maybe, count(*) FILTER (WHERE r.status = 'not_attending')::int AS not_attending
    FROM event_rsvps r JOIN events e ON e.id = r.event_id AND e.deleted_at IS NULL GROUP BY r.event_id)
  SELECT e.event_type, count(*)::int AS events, count(*) FILTER (WHERE e.cancelled_at IS NOT NULL)::int AS cancelled,
    coalesce(sum(e.max_attendees), 0)::int AS capacity, coalesce(sum(e.attending_count), 0)::int AS attending,
    coalesce(sum(e.attending_count) FILTER (WHERE e.max_attendees IS NOT NULL), 0)::int AS attending_capped,
    coalesce(sum(a.maybe), 0)::int AS maybe, coalesce(sum(a.not_attending), 0)::int AS not_attending, coalesce(sum(e.waitlist_count), 0)::int AS waitlisted
  FROM events e LEFT JOIN answers a ON a.event_id = e.id WHERE e.deleted_at IS NULL GROUP BY e.event_type`;

// ---------------------------------------------------------------------------------------------
// Floor: the same SQL and cache lifetimes, nothing else

const cache = new Map<string, { value: Promise<unknown>; expires: number }>();
const cached = <T>(name: string, seconds: number, compute: () => Promise<T>) => {
  const hit = cache.get(name);
  if (hit && hit.expires > Date.now()) return hit.value as Promise<T>;
  const value = compute();
  cache.set(name, { value, expires: Date.now() + seconds * 1000 });
  value.catch(() => cache.delete(name));
  return value;
};
let metricQueries: ReturnType<typeof capturedMetricQueries> | undefined;

const route =
  (roles: string[], handle: (ctx: FloorContext) => Promise<unknown>): FloorRoute['handler'] =>
  async (request, ctx) => {
    const actor = await ctx.authenticate(request);
    if (!roles.includes(actor.role)) throw new FloorError(403, 'forbidden');
    return { body: await handle(ctx) };
  };

const dashboardMetrics = route(['admin'], (ctx) =>
  cached('metrics', 5, async () => {
    const rows = await Promise.all(
      (await (metricQueries ??= capturedMetricQueries())).map(async (queries) => {
        const out = [];
        for (const q of queries) out.push((await ctx.pool.query(q.text, q.values)).rows[0]);
        return out;
      }),
    );
    return { generated_at: new Date().toISOString(), metrics: rows.flat() };
  }),
);

const skills = route(['admin', 'faculty'], async (ctx) => ({
  results: (await cached('skills', 10, async () => (await ctx.pool.query(SKILLS_SQL)).rows)).slice(0, 20),
}));

const locations = route(['admin', 'faculty'], (ctx) =>
  cached('locations', 10, async () => {
    const byCity = new Map<number, { city: string; country: string; latitude: number; longitude: number; count: number }>();
    let unknown = 0;
    for (const row of (await ctx.pool.query(LOCATIONS_SQL)).rows as { location: string | null; count: number }[]) {
      const result = row.location ? geocodeCached(row.location) : { status: 'unknown' as const };
      if (result.status !== 'resolved') unknown += row.count;
      else {
        const g = byCity.get(result.city.id);
        if (g) g.count += row.count;
        else
          byCity.set(result.city.id, {
            city: result.city.name,
            country: result.city.country,
            latitude: result.city.lat,
            longitude: result.city.lon,
            count: row.count,
          });
      }
    }
    return { results: [...byCity.values()].sort((a, b) => b.count - a.count), unknown };
  }),
);

const engagement = route(['admin', 'faculty'], (ctx) =>
  cached('engagement', 10, async () => {
    const [totals, daily] = await Promise.all([ctx.pool.query(ENGAGEMENT_SQL), ctx.pool.query(ENGAGEMENT_DAILY_SQL)]);
    return { ...totals.rows[0], daily: daily.rows };
  }),
);

// ---------------------------------------------------------------------------------------------
// The data set

const LOCATIONS = [
  'Pune, India',
  'Bangalore, India',
  'Mumbai, India',
  'Hyderabad, India',
  'Chennai, India',
  'Delhi, India',
  'Kolkata, India',
  'Noida, India',
  'Gurgaon, India',
  'Ahmedabad, India',
  'London, United Kingdom',
  'Berlin, Germany',
  'San Francisco, USA',
  'Seattle, WA, USA',
  'Austin, TX, USA',
  'New York, USA',
  'Toronto, Canada',
  'Singapore',
  'Dubai, UAE',
  'Sydney, Australia',
  'Tokyo, Japan',
  'Paris, France',
  'Amsterdam, Netherlands',
  'Zurich, Switzerland',
  'Springfield',
  'Paris',
  'Hyderabad',
  'Remote',
  'Bay Area',
  'pune',
  'BANGALORE',
  'Munich, Germany',
  'Dublin, Ireland',
  'Boston, MA, USA',
];
const SKILLS = [
  'Python',
  'SQL',
  'Java',
  'JavaScript',
  'Excel',
  'Communication',
  'Leadership',
  'C++',
  'Machine Learning',
  'React',
  'AWS',
  'TypeScript',
  'Docker',
  'Go',
  'Rust',
  'Figma',
  'Marketing',
  'Sales',
  'AutoCAD',
  'Embedded Systems',
];
const COMPANIES = [
  'Tata Consultancy Services',
  'Infosys',
  'Wipro',
  'Accenture',
  'Google',
  'Microsoft',
  'Amazon',
  'IBM',
  'Flipkart',
  'Zoho',
  'Swiggy',
  'Deloitte',
  'Blue Labs',
  'Nova Systems',
  'Peak Analytics',
];

const OURS = `email LIKE 'admin-%@bench.example.com'`;

async function seed(target: Target, profiles: number) {
  const q = (text: string, values: unknown[] = []) => target.query(text, values);
  await q(
    `INSERT INTO users (email, name, role, is_verified, created_at)
    SELECT 'admin-' || i || '@bench.example.com', 'Bench Member ' || i,
      (ARRAY['alumni','alumni','alumni','alumni','student','student','faculty','recruiter'])[1 + i % 8], i % 10 <> 0,
      now() - make_interval(days => i % 365, mins => i % 1440)
    FROM generate_series(1, $1::int) i`,
    [profiles],
  );
  await q(
    `INSERT INTO profiles (user_id, name, location, current_company, batch_year, skills, skills_lower, directory_visible,
      is_verified, verification_status, verified_at, search_text)
    SELECT u.id, u.name, CASE WHEN n % 13 = 0 THEN NULL ELSE ($2::text[])[1 + n % array_length($2::text[], 1)] END,
      ($3::text[])[1 + (n * 7) % array_length($3::text[], 1)], 1990 + n % 36,
      -- Three different skills (offsets 0, 1–9, 10–18), as the API would store them.
      ARRAY[($4::text[])[1 + n % 20], ($4::text[])[1 + (n + 1 + (n / 20) % 9) % 20], ($4::text[])[1 + (n + 10 + (n / 7) % 9) % 20]],
      ARRAY[lower(($4::text[])[1 + n % 20]), lower(($4::text[])[1 + (n + 1 + (n / 20) % 9) % 20]), lower(($4::text[])[1 + (n + 10 + (n / 7) % 9) % 20])],
      n % 20 <> 0, n % 3 = 0, CASE WHEN n % 3 = 0 THEN 'verified' ELSE 'unverified' END,
      CASE WHEN n % 3 = 0 THEN u.created_at + interval '1 day' END, lower(u.name)
    FROM (SELECT id, name, created_at, row_number() OVER (ORDER BY email) AS n FROM users WHERE ${OURS}) u
    WHERE u.n <= $1`,
    [profiles, LOCATIONS, COMPANIES, SKILLS],
  );
  await q(`INSERT INTO profile_verification_requests (user_id, source, requested_at)
    SELECT p.user_id, 'member', now() - make_interval(hours => n::int) FROM
      (SELECT user_id, row_number() OVER () AS n FROM profiles JOIN users u ON u.id = user_id
        WHERE u.${OURS} AND verification_status = 'unverified' LIMIT 1000) p`);
  await q(
    `UPDATE profiles SET verification_status = 'pending' WHERE user_id IN (SELECT user_id FROM profile_verification_requests WHERE status = 'pending')`,
  );
  // A year of activity: 5,000 jobs, 30,000 applications, two sign-ins per member and as many token refreshes.
  await q(
    `INSERT INTO jobs (title, description, company, location, job_type, posted_by, status, created_at)
    SELECT 'Bench job ' || i, 'Work.', ($1::text[])[1 + i % array_length($1::text[], 1)], 'Pune, India',
      (ARRAY['full_time','part_time','internship','contract','remote'])[1 + i % 5],
      (SELECT id FROM users WHERE ${OURS} AND role = 'alumni' LIMIT 1), CASE WHEN i % 4 = 0 THEN 'closed' ELSE 'active' END,
      now() - make_interval(days => i % 365)
    FROM generate_series(1, 5000) i`,
    [COMPANIES],
  );
  await q(`INSERT INTO job_applications (job_id, applicant_id, cv_key, applied_at)
    SELECT j.id, u.id, 'cvs/bench.pdf', j.created_at + interval '2 days'
    FROM (SELECT id, row_number() OVER (ORDER BY email) AS n FROM users WHERE ${OURS} AND role = 'student' LIMIT 30000) u
    JOIN (SELECT id, created_at, row_number() OVER (ORDER BY id) AS n FROM jobs WHERE title LIKE 'Bench job %') j ON j.n = 1 + (u.n * 7) % 5000`);
  await q(`INSERT INTO sessions (user_id, created_at, expires_at)
    SELECT u.id, t, t + interval '30 days'
    FROM (SELECT id, row_number() OVER (ORDER BY email) AS n FROM users WHERE ${OURS}) u
    CROSS JOIN LATERAL (SELECT now() - make_interval(days => ((u.n * 37 + k * 101) % 365)::int, mins => k * 17) AS t FROM generate_series(1, 2) k) s`);
  await q(`INSERT INTO refresh_tokens (token_hash, session_id, created_at)
    SELECT md5(s.id::text), s.id, s.created_at + interval '15 minutes' FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.${OURS}`);
  // Vacuumed too, so autovacuum does not wake up on the fresh tables in the middle of a measurement.
  await q(`VACUUM ANALYZE users, profiles, profile_verification_requests, jobs, job_applications, sessions, refresh_tokens`);
}

const timed = async <T>(fn: () => Promise<T> | T) => {
  const start = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - start) };
};

/** Once each, on the seeded data: the computations the caches spare, and geocoding every location with no result cache. */
async function uncached(run: BenchRun, target: Target) {
  const queries = await capturedMetricQueries();
  const figures: [string, () => Promise<unknown>][] = [
    [
      'dashboard metrics (all sources)',
      () =>
        Promise.all(
          queries.map(async (qs) => {
            for (const q of qs) await target.query(q.text, q.values);
          }),
        ),
    ],
    ['skills analytics SQL', () => target.query(SKILLS_SQL)],
    ['locations analytics SQL', () => target.query(LOCATIONS_SQL)],
    ['engagement analytics SQL', () => Promise.all([target.query(ENGAGEMENT_SQL), target.query(ENGAGEMENT_DAILY_SQL)])],
  ];
  for (const [what, work] of figures) {
    run.measure({ scenario: 'admin', what: `uncached: ${what}, once`, target: target.name, value: (await timed(work)).ms, unit: 'ms' });
  }
  const { rows } = await target.query<{ location: string | null }>(`SELECT location FROM profiles`);
  const build = await timed(() => createGeocoder());
  let resolved = 0;
  const geocoding = await timed(() => {
    for (const r of rows) if (build.value.geocode(r.location).status === 'resolved') resolved++;
  });
  run.measure({
    scenario: 'admin',
    what: `geocoding ${rows.length.toLocaleString('en-US')} profile locations without a result cache (${resolved} resolved; +${build.ms} ms to build the geocoder, ${build.value.cities} names)`,
    target: target.name,
    value: geocoding.ms,
    unit: 'ms',
    goal: '< 10 s at 100,000',
    verdict: geocoding.ms < 10_000 ? 'ok' : 'miss',
  });
}

// ---------------------------------------------------------------------------------------------

const companies = route(['admin', 'faculty'], async (ctx) => ({
  results: (await cached('companies', 10, async () => (await ctx.pool.query(COMPANIES_SQL)).rows)).slice(0, 20),
}));

const batches = route(['admin', 'faculty'], async (ctx) => ({
  results: await cached('batches', 10, async () => (await ctx.pool.query(BATCHES_SQL)).rows),
}));

const jobTrends = route(['admin', 'faculty'], (ctx) =>
  cached('job-trends', 10, async () => {
    const [byType, byMonth] = await Promise.all([ctx.pool.query(JOB_TYPES_SQL), ctx.pool.query(JOB_MONTHS_SQL)]);
    return { by_type: byType.rows, by_month: byMonth.rows };
  }),
);

const mentorshipStats = route(['admin', 'faculty'], async (ctx) => {
  const f = (await ctx.pool.query(MENTORSHIP_SQL)).rows[0];
  const answered = f.accepted + f.rejected;
  return {
    mentors: { total: f.mentors, available: f.available },
    requests: { total: f.requests, pending: f.pending, accepted: f.accepted, rejected: f.rejected, expired: f.expired },
    acceptance_rate: answered ? Math.round((f.accepted / answered) * 10_000) / 10_000 : null,
    median_time_to_answer_seconds: f.median_seconds === null ? null : Math.round(f.median_seconds),
    active_mentorships: f.active_mentorships,
    sessions: { total: f.sessions, scheduled: f.scheduled, completed: f.completed, cancelled: f.cancelled },
    average_rating: f.average_rating,
    ratings_count: f.ratings_count,
  };
});

const EVENT_TYPES = ['reunion', 'webinar', 'workshop', 'networking', 'career_fair', 'meetup', 'other'];
const FIGURES = ['events', 'cancelled', 'capacity', 'attending', 'attending_capped', 'maybe', 'not_attending', 'waitlisted'] as const;
const withRate = (r: Record<string, number>) => ({
  ...r,
  fill_rate: r.capacity > 0 ? Math.round((r.attending_capped / r.capacity) * 10_000) / 10_000 : null,
});
const eventParticipation = route(['admin', 'faculty'], async (ctx) => {
  const byType = new Map((await ctx.pool.query(PARTICIPATION_SQL)).rows.map((r) => [r.event_type, r]));
  const zero = Object.fromEntries(FIGURES.map((k) => [k, 0])) as Record<string, number>;
  const rows = EVENT_TYPES.map((event_type) => ({ event_type, ...zero, ...byType.get(event_type) }));
  const totals = { ...zero };
  for (const r of rows) for (const k of FIGURES) totals[k] += (r as Record<string, number>)[k];
  return { by_event_type: rows.map(withRate), totals: withRate(totals) };
});

const floorRoutes: FloorRoute[] = [
  { method: 'GET', path: '/api/admin/dashboard/metrics', handler: dashboardMetrics },
  { method: 'GET', path: '/api/analytics/skills', handler: skills },
  { method: 'GET', path: '/api/analytics/locations', handler: locations },
  { method: 'GET', path: '/api/analytics/engagement', handler: engagement },
  { method: 'GET', path: '/api/analytics/companies', handler: companies },
  { method: 'GET', path: '/api/analytics/batches', handler: batches },
  { method: 'GET', path: '/api/analytics/job-trends', handler: jobTrends },
  { method: 'GET', path: '/api/analytics/mentorship-stats', handler: mentorshipStats },
  { method: 'GET', path: '/api/analytics/event-participation', handler: eventParticipation },
];

const scenario: Scenario = {
  name: 'admin',
  title: 'Admin console (issue 15)',
  floorRoutes,

  async run(target, run) {
    const seeded = await timed(() => seed(target, settings.adminProfiles));
    log(`  seeded ${settings.adminProfiles} profiles and a year of activity in ${round(seeded.ms / 1000, 1)} s`);
    await uncached(run, target);
    const headers = { authorization: `Bearer ${target.adminToken}` };
    const analytics = [
      'skills',
      'locations',
      'engagement',
      'companies',
      'batches',
      'job-trends',
      'mentorship-stats',
      'event-participation',
    ];
    for (const path of ['/api/admin/dashboard/metrics', ...analytics.map((a) => `/api/analytics/${a}`)]) {
      await compare(run, target, {
        scenario: 'admin',
        endpoint: `GET ${path}`,
        load: { path, headers },
        goal: { minRatio: 0.9, maxP99Ratio: 1.5 },
        abba: true,
      });
    }
  },
};

export default scenario;
