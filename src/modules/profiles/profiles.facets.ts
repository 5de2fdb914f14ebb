import { sql } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { pgErrorCode } from '../../lib/errors.js';
import { cached } from './profiles.cache.js';
import { directoryScope, type DirectoryScope } from './profiles.search.js';
import type { Facets } from './profiles.schemas.js';

/**
 * Facets (GET /api/profiles/filters/options). The counts live in `profile_facets`, kept exact by
 * statement-level triggers on profiles (migration `performance_sql`): each write adds or removes its
 * own values, so a read scans each facet's distinct values (not the members), and no
 * write throws a computed result away. See docs/decisions/042-facets-kept-by-triggers.md.
 */
/** Values at most per facet (the endpoint's `limit` is at most this). */
export const FACET_MAX_VALUES = 1000;

type FacetRow = { facet: keyof Facets; value: string; count: number };

/**
 * From scratch over every visible profile (the reference the incremental counts are tested against,
 * and the facets of the verified-alumni scope). One statement: the visible profiles once, then each
 * facet grouped case-insensitively (the spelling shown is the most common one).
 */
export async function computeFacets(ctx: AppContext, scope: DirectoryScope = 'listed'): Promise<Facets> {
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
        WHERE p.directory_visible AND NOT p.owner_deleted${
          scope === 'verified-alumni'
            ? ` AND p.is_verified AND EXISTS (SELECT 1 FROM users u WHERE u.id = p.user_id AND u.role = 'alumni')`
            : ''
        }
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

const FACET_SOURCES: [keyof Facets, string][] = [
  ['companies', 'current_company'],
  ['skills', 'skills'],
  ['locations', 'location'],
  ['batch_years', 'batch_year'],
  ['departments', 'department'],
];

/** The response key of each facet column. */
const FACET_KEYS = Object.fromEntries(FACET_SOURCES.map(([key, column]) => [column, key])) as Record<string, keyof Facets>;

/** One statement ($1: the limit): the top values of each facet, each a primary-key range scan of one facet's values. */
export const FACETS_SQL = FACET_SOURCES.map(
  ([, column]) =>
    `(SELECT '${column}' AS facet, value, count FROM profile_facets WHERE facet = '${column}' AND count > 0
      ORDER BY count DESC, value COLLATE "C" LIMIT $1)`,
).join(' UNION ALL ');

/**
 * A transaction that runs this has the facet triggers journal its net changes (profile_facet_journal)
 * instead of applying them: a bulk import's batches then lock no facet row (decision 100).
 */
export const JOURNAL_FACETS = sql`SELECT set_config('cohort.facets', 'journal', true)`;

/**
 * Applies the journalled facet changes of every committed transaction and removes them (one statement,
 * its own transaction; it never waits for a transaction still journalling): during and after an import,
 * at the start of the next one (a crashed import's batches), and on a schedule. Returns the entries folded.
 */
export async function foldFacetJournal(ctx: Pick<AppContext, 'db'>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { rows } = await ctx.db.execute<{ folded: number }>(sql`SELECT profile_facets_fold_journal() AS folded`);
      return Number(rows[0].folded);
    } catch (err) {
      // Chosen as a deadlock's victim (a multi-statement writer holding facet rows in another order):
      // nothing was applied or removed, so folding again is safe.
      if (pgErrorCode(err) !== '40P01' || attempt === 3) throw err;
    }
  }
}

/** How long the verified-alumni facets are kept when no profile is written (any profile write drops them). */
const SCOPED_FACETS_TTL_SECONDS = 30;

/** The facets a viewer may see (without a viewer: every listed profile, the triggers' counts). */
export async function getFacets(ctx: AppContext, limit: number, viewer?: Actor): Promise<Facets> {
  if (viewer && (await directoryScope(ctx, viewer)) === 'verified-alumni') {
    // Not kept by the triggers: computed from scratch and cached with the profiles generation (decision 096).
    const all = await cached(ctx, 'facets:verified-alumni', SCOPED_FACETS_TTL_SECONDS, () => computeFacets(ctx, 'verified-alumni'));
    const cut = Math.min(limit, FACET_MAX_VALUES);
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, (v as unknown[]).slice(0, cut)])) as unknown as Facets;
  }
  // Rows as arrays: pg's object rows are built by one routine shared by every query of the process,
  // which V8 then runs megamorphically: measurably the largest JavaScript cost of a 700-row read (decision 126).
  const { rows } = await ctx.pool.query<[column: string, value: string, count: number]>({
    name: 'profile-facets',
    text: FACETS_SQL,
    values: [Math.min(limit, FACET_MAX_VALUES)],
    rowMode: 'array',
  });
  const facets: Facets = { companies: [], skills: [], locations: [], batch_years: [], departments: [] };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const column = row[0];
    if (column === 'batch_year') facets.batch_years.push({ value: Number(row[1]), count: row[2] });
    else facets[FACET_KEYS[column] as Exclude<keyof Facets, 'batch_years'>].push({ value: row[1], count: row[2] });
  }
  facets.batch_years.sort((a, b) => b.count - a.count || a.value - b.value);
  return facets;
}
