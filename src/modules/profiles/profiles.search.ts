import { and, count, eq, sql, type SQL } from 'drizzle-orm';
import { countKeyOf } from '../../lib/cache.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { keyset } from '../../lib/pagination.js';
import { readShaped } from '../../lib/prepared.js';
import { getSetting } from '../admin/settings.service.js';
import { users } from '../auth/auth.tables.js';
import { signedFileUrl } from '../files/files.service.js';
import { cached } from './profiles.cache.js';
import { containsPattern, skillsFilter } from '../../lib/text.js';
import type { SearchQuery } from './profiles.schemas.js';
import { profiles } from './profiles.tables.js';

/**
 * GET /api/profiles/search and /directory, exactly as SEARCH.md says. One indexed query for the
 * page (keyset on name COLLATE "C", user_id) and one for the count with the same WHERE.
 */
export type ProfileList = 'profiles.search' | 'profiles.directory';
const listOf = (list: ProfileList) =>
  keyset<{ name: string; user_id: string }>(
    list,
    'asc',
    [
      { column: profiles.name, type: 'text', collate: 'C' },
      { column: profiles.user_id, type: 'uuid' },
    ],
    (row) => [row.name, row.user_id],
  );
/** Search and directory take the same filters, but each list's cursors are its own (API.md). */
const lists = { 'profiles.search': listOf('profiles.search'), 'profiles.directory': listOf('profiles.directory') };

/** Absent or blank → undefined (SEARCH.md: it filters nothing). */
const present = (value: string | undefined) => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};
const tokensOf = (value: string) => value.split(/\s+/).filter(Boolean);

/**
 * Who a viewer may find: `listed` profiles, or with the setting directory_verified_alumni_only and a
 * viewer who is not an admin, only the listed profiles of verified alumni (docs/admin.md, decision 096).
 */
export type DirectoryScope = 'listed' | 'verified-alumni';
export async function directoryScope(ctx: AppContext, viewer: Actor): Promise<DirectoryScope> {
  if (viewer.role === 'admin') return 'listed';
  return (await getSetting(ctx, 'directory_verified_alumni_only')) ? 'verified-alumni' : 'listed';
}

/**
 * The verified-alumni scope for a member named by `userId` (an SQL expression for a user id): a
 * verified profile and an alumni account, each one primary-key probe. The other lists of members
 * (mentors, match suggestions, event attendees) add it when `directoryScope` says so (decision 110).
 */
export const verifiedAlumnus = (userId: SQL) =>
  sql`(EXISTS (SELECT 1 FROM profiles sp WHERE sp.user_id = ${userId} AND sp.is_verified)
    AND EXISTS (SELECT 1 FROM users su WHERE su.id = ${userId} AND su.role = 'alumni'))`;

/** Each filter of SEARCH.md as SQL over one value (a bound parameter, or a placeholder in a prepared statement). */
const FILTERS = {
  verifiedAlumni: () =>
    sql`${profiles.is_verified} AND EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${profiles.user_id} AND ${users.role} = 'alumni')`,
  name: (v: SQL) => sql`lower(${profiles.name}) LIKE lower(${v})`,
  q: (v: SQL) => sql`${profiles.search_text} LIKE lower(${v})`,
  company: (v: SQL) => sql`lower(${profiles.current_company}) = lower(${v})`,
  location: (v: SQL) => sql`lower(${profiles.location}) = lower(${v})`,
  department: (v: SQL) => sql`lower(${profiles.department}) = lower(${v})`,
  // drizzle quotes the column ("current_role"), which is what keeps it from being the SQL function CURRENT_ROLE.
  jobRole: (v: SQL) => sql`lower(${profiles.current_role}) LIKE lower(${v})`,
  skills: (v: SQL) => sql`${profiles.skills_lower} @> ${v}::text[]`,
  batchYear: (v: SQL) => sql`${profiles.batch_year} = ${v}::int`,
  verifiedOnly: () => sql`${profiles.is_verified}`,
};
type Filter = { kind: keyof typeof FILTERS; value?: unknown };

/** The request's filters as plain values: no SQL is built to find a statement's shape. */
function searchFilters(query: SearchQuery, scope: DirectoryScope): Filter[] {
  const filters: Filter[] = [];
  if (scope === 'verified-alumni') filters.push({ kind: 'verifiedAlumni' });
  const name = present(query.name);
  if (name) for (const token of tokensOf(name)) filters.push({ kind: 'name', value: containsPattern(token) });
  const q = present(query.q);
  if (q) for (const token of tokensOf(q)) filters.push({ kind: 'q', value: containsPattern(token) });
  const company = present(query.company);
  if (company) filters.push({ kind: 'company', value: company });
  const location = present(query.location);
  if (location) filters.push({ kind: 'location', value: location });
  const department = present(query.department);
  if (department) filters.push({ kind: 'department', value: department });
  const jobRole = present(query.job_role);
  if (jobRole) filters.push({ kind: 'jobRole', value: containsPattern(jobRole) });
  const skills = skillsFilter(query.skills);
  if (skills.length) filters.push({ kind: 'skills', value: skills });
  const batchYear = present(query.batch_year);
  if (batchYear) filters.push({ kind: 'batchYear', value: Number(batchYear) });
  if (present(query.verified_only) === 'true') filters.push({ kind: 'verifiedOnly' });
  return filters;
}

// Listed: not hidden by its owner, and the account is not deleted (owner_deleted mirrors users.status).
const listed = () => [eq(profiles.directory_visible, true), eq(profiles.owner_deleted, false)];

export function searchConditions(query: SearchQuery, scope: DirectoryScope = 'listed'): SQL[] {
  return [...listed(), ...searchFilters(query, scope).map((f) => FILTERS[f.kind](sql`${sql.param(f.value)}`))];
}

/**
 * A card as the page reads it: exactly the fields of ProfileCardSchema (and role, joined in). The photo
 * is read under its wire name and replaced by its signed URL in place, so no card is copied.
 */
const cardColumns = {
  user_id: profiles.user_id,
  name: profiles.name,
  photo_url: profiles.photo_key,
  headline: profiles.headline,
  current_company: profiles.current_company,
  current_role: profiles.current_role,
  location: profiles.location,
  batch_year: profiles.batch_year,
  degree: profiles.degree,
  department: profiles.department,
  skills: profiles.skills,
  profile_completion_percentage: profiles.profile_completion_percentage,
  is_verified: profiles.is_verified,
  verification_status: profiles.verification_status,
};

/** Counts are cached per filter set (exact: any profile write invalidates them), so every page after the first costs one indexed query. */
const COUNT_TTL_SECONDS = 30;
/** Substring matches below 1/SORT_BELOW_SHARE of the listed profiles are sorted rather than found by walking the name index. */
const SORT_BELOW_SHARE = 20;

export async function searchProfiles(ctx: AppContext, viewer: Actor, list: ProfileList, query: SearchQuery) {
  const keys = lists[list];
  const scope = await directoryScope(ctx, viewer);
  const countOf = (q: SearchQuery) =>
    cached(ctx, scope === 'listed' ? countKeyOf(q) : `${scope}:${countKeyOf(q)}`, COUNT_TTL_SECONDS, async () => {
      const [{ total }] = await ctx.db
        .select({ total: count() })
        .from(profiles)
        .where(and(...searchConditions(q, scope)));
      return total;
    });
  const total = await countOf(query);
  // Substring filters (name, q, job_role) have no index that yields rows in name order. When they
  // match few profiles, their trigram index plus a sort of the matches is fastest; when they match
  // many, walking the name index and filtering finds a page sooner. The (cached) counts decide;
  // ordering by an expression equal to the name keeps the planner off the name index.
  // Name tokens mostly hit the start of names (first names), so their matches cluster in name order
  // and a walk could read half the index before the first match: names are always sorted.
  const sortMatches =
    Boolean(query.name?.trim() || query.q?.trim()) ||
    (Boolean(query.job_role?.trim()) && total * SORT_BELOW_SHARE < (await countOf({ limit: query.limit })));
  // The page is cut from narrow (name, id) rows; only its rows are then read in full, with the role.
  // Built once per shape (which filters, which order, first page or not) and prepared: building the
  // SQL with drizzle was the largest share of the request's CPU.
  const filters = searchFilters(query, scope);
  const position = keys.positionParams(ctx, query.cursor);
  const shape = `${list}:${filters.map((f) => f.kind).join(',')}:${sortMatches ? 'sorted' : 'walk'}:${position ? 'after' : 'first'}`;
  const params: Record<string, unknown> = { ...position, limit: query.limit + 1 };
  filters.forEach((f, i) => (params[`f${i}`] = f.value));
  const rows = await readShaped(
    ctx,
    'profiles-page',
    shape,
    (db) => {
      const where = [...listed(), ...filters.map((f, i) => FILTERS[f.kind](sql`${sql.placeholder(`f${i}`)}`))];
      if (position) where.push(keys.afterPlaceholders());
      const order = sortMatches ? sql`(${profiles.name} || '') COLLATE "C"` : sql`${profiles.name} COLLATE "C"`;
      const cut = db
        .select({ id: profiles.user_id, sort_name: profiles.name })
        .from(profiles)
        .where(and(...where))
        .orderBy(order, profiles.user_id)
        .limit(sql.placeholder('limit'))
        .as('page');
      return db
        .select({ ...cardColumns, role: users.role })
        .from(cut)
        .innerJoin(profiles, eq(profiles.user_id, cut.id))
        .innerJoin(users, eq(users.id, cut.id))
        .orderBy(sql`${cut.sort_name} COLLATE "C"`, cut.id);
      // A filter's selectivity depends on its value (the commonest employer or a two-letter name token
      // against a rare one): such pages are planned for their values, never by one generic plan (decision 128).
    },
    params,
    { planPerRequest: filters.some((f) => f.value !== undefined) },
  );
  const { results, next_cursor } = keys.page(ctx, rows, query.limit);
  for (const card of results) if (card.photo_url !== null) card.photo_url = signedFileUrl(ctx, card.photo_url);
  return { results, next_cursor, count: total };
}
