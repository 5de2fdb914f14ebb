import { sql, type SQL } from 'drizzle-orm';
import { cachedIn } from '../../lib/cache.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { geocodeCached } from './geocode.js';
import { getSettings } from './settings.service.js';

/**
 * Analytics for admins and faculty (docs/admin.md). Privacy: only profiles the directory may show
 * count (listed by their owner, account active — `owner_deleted` covers deleted and suspended — and,
 * with the setting, verified alumni only). In a non-admin view every group of fewer than
 * MIN_GROUP people is left out, so no figure points at a handful of individuals.
 */
export const MIN_GROUP = 5;
const CACHE_SECONDS = 10;

const suppress = <T extends { count: number }>(actor: Actor, rows: T[]) =>
  actor.role === 'admin' ? rows : rows.filter((r) => r.count >= MIN_GROUP);

async function listedCondition(ctx: AppContext): Promise<{ listed: SQL; key: string }> {
  const base = sql`p.directory_visible AND NOT p.owner_deleted`;
  if (!(await getSettings(ctx)).directory_verified_alumni_only) return { listed: base, key: 'listed' };
  return {
    listed: sql`${base} AND p.is_verified AND EXISTS (SELECT 1 FROM users u WHERE u.id = p.user_id AND u.role = 'alumni')`,
    key: 'verified-alumni',
  };
}

/**
 * Cached in the namespace of the data they read: every profile (or job) write bumps its generation
 * (src/lib/cache.ts), so a figure is never served after a write that changes it. All viewers share
 * the unsuppressed rows; suppression happens per view. Engagement has no write to follow: TTL only.
 */
const cached = <T>(ctx: AppContext, namespace: 'profiles' | 'jobs' | 'analytics', key: string, compute: () => Promise<T>) =>
  cachedIn(ctx, namespace, `analytics:${key}`, CACHE_SECONDS, compute);

type Group = { value: string; count: number };

export async function skillsAnalytics(ctx: AppContext, actor: Actor, query: { limit: number }) {
  const { listed, key } = await listedCondition(ctx);
  const rows = await cached(ctx, 'profiles', `skills:${key}`, async () => {
    // Counted per exact spelling first (a hash aggregate), then merged case-insensitively showing the
    // most common spelling: 3× faster than mode() over every row. Summing is exact because skills are
    // de-duplicated case-insensitively on every write (API, import, seed), so a profile counts once.
    const { rows } = await ctx.db.execute<Group>(sql`
      WITH spellings AS (
        SELECT s, count(*)::int AS n FROM profiles p CROSS JOIN LATERAL unnest(p.skills) AS s WHERE ${listed} GROUP BY s
      )
      SELECT (array_agg(s ORDER BY n DESC, s COLLATE "C"))[1] AS value, sum(n)::int AS count
      FROM spellings GROUP BY lower(s) ORDER BY count DESC, lower(s) COLLATE "C" LIMIT 1000`);
    return rows;
  });
  return { results: suppress(actor, rows).slice(0, query.limit) };
}

export async function companiesAnalytics(ctx: AppContext, actor: Actor, query: { limit: number }) {
  const { listed, key } = await listedCondition(ctx);
  const rows = await cached(ctx, 'profiles', `companies:${key}`, async () => {
    const { rows } = await ctx.db.execute<Group>(sql`
      WITH spellings AS (
        SELECT p.current_company AS c, count(*)::int AS n FROM profiles p
        WHERE ${listed} AND p.current_company IS NOT NULL GROUP BY p.current_company
      )
      SELECT (array_agg(c ORDER BY n DESC, c COLLATE "C"))[1] AS value, sum(n)::int AS count
      FROM spellings GROUP BY lower(c) ORDER BY count DESC, lower(c) COLLATE "C" LIMIT 1000`);
    return rows;
  });
  return { results: suppress(actor, rows).slice(0, query.limit) };
}

/** Alumni per batch (graduation) year, oldest first. */
export async function batchesAnalytics(ctx: AppContext, actor: Actor) {
  const { listed, key } = await listedCondition(ctx);
  const rows = await cached(ctx, 'profiles', `batches:${key}`, async () => {
    const { rows } = await ctx.db.execute<{ batch_year: number; count: number }>(sql`
      SELECT p.batch_year, count(*)::int AS count
      FROM profiles p JOIN users u ON u.id = p.user_id
      WHERE ${listed} AND p.batch_year IS NOT NULL AND u.role = 'alumni'
      GROUP BY p.batch_year ORDER BY p.batch_year`);
    return rows;
  });
  return { results: suppress(actor, rows) };
}

/** Jobs are not people: nothing to suppress. By type (all and open now) and postings per month. */
export async function jobTrendsAnalytics(ctx: AppContext, query: { months: number }) {
  return cached(ctx, 'jobs', `job-trends:${query.months}`, async () => {
    const [byType, byMonth] = await Promise.all([
      ctx.db.execute<{ job_type: string; total: number; active: number }>(sql`
        SELECT job_type, count(*)::int AS total,
          count(*) FILTER (WHERE status = 'active' AND (application_deadline IS NULL OR application_deadline > now()))::int AS active
        FROM jobs WHERE deleted_at IS NULL GROUP BY job_type ORDER BY total DESC, job_type`),
      ctx.db.execute<{ month: string; job_type: string | null; count: number }>(sql`
        WITH months AS (
          SELECT generate_series(date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => ${query.months - 1}),
                                 date_trunc('month', now() AT TIME ZONE 'UTC'), interval '1 month') AS month
        ), counts AS (
          SELECT date_trunc('month', created_at AT TIME ZONE 'UTC') AS month, count(*)::int AS count
          FROM jobs
          WHERE created_at >= (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => ${query.months - 1})) AT TIME ZONE 'UTC'
          GROUP BY 1
        )
        SELECT to_char(m.month, 'YYYY-MM') AS month, coalesce(c.count, 0)::int AS count
        FROM months m LEFT JOIN counts c ON c.month = m.month ORDER BY m.month`),
    ]);
    return { by_type: byType.rows, by_month: byMonth.rows.map(({ month, count }) => ({ month, count })) };
  });
}

/**
 * DAU/WAU/MAU: distinct people who signed in (a session created) or were active (a token refresh,
 * about every quarter hour of use) in the last 1, 7 and 30 days, plus a daily series.
 */
export async function engagementAnalytics(ctx: AppContext, actor: Actor, query: { days: number }) {
  const data = await cached(ctx, 'analytics', `engagement:${query.days}`, async () => {
    const span = Math.max(query.days, 30);
    const activity = sql`
      SELECT s.user_id, s.created_at AS at FROM sessions s WHERE s.created_at > now() - make_interval(days => ${span})
      UNION ALL
      SELECT s.user_id, r.created_at FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id
      WHERE r.created_at > now() - make_interval(days => ${span})`;
    const [totals, daily] = await Promise.all([
      ctx.db.execute<{ dau: number; wau: number; mau: number; active_accounts: number }>(sql`
        WITH a AS (${activity})
        SELECT count(DISTINCT user_id) FILTER (WHERE at > now() - interval '1 day')::int AS dau,
               count(DISTINCT user_id) FILTER (WHERE at > now() - interval '7 days')::int AS wau,
               count(DISTINCT user_id) FILTER (WHERE at > now() - interval '30 days')::int AS mau,
               (SELECT count(*)::int FROM users WHERE status = 'active') AS active_accounts
        FROM a`),
      ctx.db.execute<{ day: string; count: number }>(sql`
        WITH a AS (${activity}),
        days AS (SELECT generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => ${query.days - 1}),
                                        date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS day),
        counts AS (SELECT date_trunc('day', at AT TIME ZONE 'UTC') AS day, count(DISTINCT user_id)::int AS count FROM a GROUP BY 1)
        SELECT to_char(d.day, 'YYYY-MM-DD') AS day, coalesce(c.count, 0)::int AS count
        FROM days d LEFT JOIN counts c ON c.day = d.day ORDER BY d.day`),
    ]);
    return { ...totals.rows[0], daily: daily.rows };
  });
  // Counts of fewer than MIN_GROUP people are withheld (null) in a non-admin view.
  const shown = (n: number) => (actor.role === 'admin' || n >= MIN_GROUP ? n : null);
  const { dau, wau, mau, active_accounts } = data;
  return {
    dau: shown(dau),
    wau: shown(wau),
    mau: shown(mau),
    active_accounts,
    stickiness: mau ? Math.round((dau / mau) * 1000) / 1000 : null,
    daily: data.daily.map((d) => ({ day: d.day, count: shown(d.count) })),
  };
}

export interface LocationGroup {
  city: string;
  country: string;
  latitude: number;
  longitude: number;
  count: number;
}

/** Listed profiles per geocoded city (docs/decisions/092); unresolved texts are counted, never placed. */
export async function locationsAnalytics(ctx: AppContext, actor: Actor) {
  const { listed, key } = await listedCondition(ctx);
  const data = await cached(ctx, 'profiles', `locations:${key}`, async () => {
    // Distinct texts first (thousands, not one per profile), then each geocoded once.
    const { rows } = await ctx.db.execute<{ location: string | null; count: number }>(sql`
      SELECT p.location, count(*)::int AS count FROM profiles p WHERE ${listed} GROUP BY p.location`);
    const byCity = new Map<number, LocationGroup>();
    let unknown = 0;
    let ambiguous = 0;
    let notGiven = 0;
    for (const row of rows) {
      if (!row.location) {
        notGiven += row.count;
        continue;
      }
      const result = geocodeCached(row.location);
      if (result.status === 'resolved') {
        const { city } = result;
        const group = byCity.get(city.id);
        if (group) group.count += row.count;
        else byCity.set(city.id, { city: city.name, country: city.country, latitude: city.lat, longitude: city.lon, count: row.count });
      } else if (result.status === 'ambiguous') ambiguous += row.count;
      else unknown += row.count;
    }
    const groups = [...byCity.values()].sort((a, b) => b.count - a.count || (a.city < b.city ? -1 : 1));
    return { groups, unknown, ambiguous, not_given: notGiven };
  });
  const shown = (n: number) => (actor.role === 'admin' || n >= MIN_GROUP || n === 0 ? n : null);
  return {
    results: suppress(actor, data.groups),
    // Ambiguous and unknown places are both "unknown" on a map; the split says why.
    unknown: shown(data.unknown + data.ambiguous),
    ambiguous: shown(data.ambiguous),
    not_given: shown(data.not_given),
  };
}

/** The same as GeoJSON (RFC 7946: longitude first), for a map library to draw as it comes. */
export async function locationsGeoJson(ctx: AppContext, actor: Actor) {
  const { results } = await locationsAnalytics(ctx, actor);
  return {
    type: 'FeatureCollection' as const,
    features: results.map((g) => ({
      type: 'Feature' as const,
      geometry: { type: 'Point' as const, coordinates: [g.longitude, g.latitude] },
      properties: { city: g.city, country: g.country, count: g.count },
    })),
  };
}
