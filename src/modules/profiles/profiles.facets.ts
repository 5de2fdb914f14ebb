import { sql } from 'drizzle-orm';
import type { AppContext } from '../../lib/context.js';
import { cached } from './profiles.cache.js';
import type { Facets } from './profiles.schemas.js';

/**
 * Facets (GET /api/profiles/filters/options) group every listed profile, too much work for each
 * request on 100k profiles: the result is cached (profiles.cache.ts) for FACET_TTL_SECONDS and never
 * served after a profile write. See docs/decisions/010-profile-listing-cache.md.
 */
export const FACET_TTL_SECONDS = 60;
/** Values kept per facet; the endpoint's `limit` cuts this list. */
export const FACET_MAX_VALUES = 1000;

type FacetRow = { facet: keyof Facets; value: string; count: number };

/** One statement: the visible profiles once, then each facet grouped case-insensitively (the spelling shown is the most common one). */
export async function computeFacets(ctx: AppContext): Promise<Facets> {
  const top = (facet: string, value: string, from: string, group: string) =>
    `(SELECT '${facet}' AS facet, ${value} AS value, count(*)::int AS count FROM ${from} GROUP BY ${group}
      ORDER BY count(*) DESC, ${value} COLLATE "C" LIMIT ${FACET_MAX_VALUES})`;
  const text = (column: string) =>
    top(`${column}`, `mode() WITHIN GROUP (ORDER BY ${column})`, `v WHERE ${column} IS NOT NULL`, `lower(${column})`);
  const { rows } = await ctx.db.execute<FacetRow>(
    sql.raw(`
      WITH v AS MATERIALIZED (
        SELECT p.current_company, p.location, p.department, p.batch_year, p.skills
        FROM profiles p
        WHERE p.directory_visible AND NOT p.owner_deleted
      )
      ${text('current_company')}
      UNION ALL ${text('location')}
      UNION ALL ${text('department')}
      UNION ALL ${top('batch_year', 'batch_year::text', 'v WHERE batch_year IS NOT NULL', 'batch_year')}
      UNION ALL ${top('skills', 'mode() WITHIN GROUP (ORDER BY s)', 'v, unnest(v.skills) AS s', 'lower(s)')}`),
  );
  const facets: Facets = { companies: [], skills: [], locations: [], batch_years: [], departments: [] };
  const target: Record<string, keyof Facets> = {
    current_company: 'companies',
    location: 'locations',
    department: 'departments',
    batch_year: 'batch_years',
    skills: 'skills',
  };
  for (const row of rows) {
    const key = target[row.facet];
    if (key === 'batch_years') facets.batch_years.push({ value: Number(row.value), count: Number(row.count) });
    else facets[key].push({ value: row.value, count: Number(row.count) });
  }
  facets.batch_years.sort((a, b) => b.count - a.count || a.value - b.value);
  return facets;
}

export async function getFacets(ctx: AppContext, limit: number): Promise<Facets> {
  const facets = await cached(ctx, 'facets', FACET_TTL_SECONDS, () => computeFacets(ctx));
  const cut = <T>(list: T[]) => list.slice(0, limit);
  return {
    companies: cut(facets.companies),
    skills: cut(facets.skills),
    locations: cut(facets.locations),
    batch_years: cut(facets.batch_years),
    departments: cut(facets.departments),
  };
}
