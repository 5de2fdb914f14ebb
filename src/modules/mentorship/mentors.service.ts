import { and, eq, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/client.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest, conflict, notFound } from '../../lib/errors.js';
import { bumpGeneration, cachedIn, countKeyOf } from '../../lib/cache.js';
import { keyset } from '../../lib/pagination.js';
import { containsPattern, normalizeSkills, skillsFilter } from '../../lib/text.js';
import { users } from '../auth/auth.tables.js';
import { directoryScope, verifiedAlumnus, type DirectoryScope } from '../profiles/profiles.search.js';
import { profiles } from '../profiles/profiles.tables.js';
import type { AvailabilityBody, MentorListQuery, RegisterMentorBody, UpdateMentorBody } from './mentorship.schemas.js';
import { mentorProfiles, mentorshipRequests } from './mentorship.tables.js';

export type Viewer = Pick<Actor, 'id' | 'role'>;

/**
 * The profile joins only when the viewer could read it on /api/profiles (docs/profiles.md: listed, or
 * their own, or an admin): department, company, location and skills of a hidden profile never leave
 * through mentorship — not on a card, not in a match reason, not in a score.
 */
export const visibleProfileJoin = (viewer: Viewer) =>
  viewer.role === 'admin'
    ? sql`${profiles.user_id} = ${mentorProfiles.user_id}`
    : sql`${profiles.user_id} = ${mentorProfiles.user_id} AND ((${profiles.directory_visible} AND NOT ${profiles.owner_deleted}) OR ${profiles.user_id} = ${viewer.id})`;

export const mentorCardColumns = {
  mentor_id: mentorProfiles.user_id,
  name: users.name,
  role: users.role,
  is_available: mentorProfiles.is_available,
  expertise_areas: mentorProfiles.expertise_areas,
  max_mentees: mentorProfiles.max_mentees,
  current_mentees_count: mentorProfiles.current_mentees_count,
  has_capacity: sql<boolean>`(${mentorProfiles.current_mentees_count} < ${mentorProfiles.max_mentees})`,
  rating: mentorProfiles.rating,
  ratings_count: mentorProfiles.rating_count,
  total_sessions: mentorProfiles.total_sessions,
  bio: mentorProfiles.bio,
  availability: mentorProfiles.availability,
  department: profiles.department,
  current_company: profiles.current_company,
  location: profiles.location,
  skills: sql<string[]>`coalesce(${profiles.skills}, '{}'::text[])`,
  created_at: mentorProfiles.created_at,
  updated_at: mentorProfiles.updated_at,
};

/** Mentor cards for this viewer: one query with the account and the (visible) profile. */
export const selectMentors = (db: Tx, viewer: Viewer) =>
  db
    .select(mentorCardColumns)
    .from(mentorProfiles)
    .innerJoin(users, eq(users.id, mentorProfiles.user_id))
    .leftJoin(profiles, visibleProfileJoin(viewer));

type Card = Awaited<ReturnType<ReturnType<typeof selectMentors>['execute']>>[number];

/** Suspended and deleted accounts are no one's mentor (their owner still reads their own card). */
const activeOrSelf = (viewer: Viewer) => sql`(${users.status} = 'active' OR ${users.id} = ${viewer.id})`;

async function mentorCard(db: Tx, viewer: Viewer, mentorId: string) {
  const [row] = await selectMentors(db, viewer).where(and(eq(mentorProfiles.user_id, mentorId), activeOrSelf(viewer)));
  if (!row) throw notFound('Mentor');
  return row;
}

const cleaned = (value: string | null | undefined) => (typeof value === 'string' ? value.trim() || null : value);

function expertiseOf(areas: string[]) {
  const expertise = normalizeSkills(areas);
  if (expertise.some((e) => e.length > 60)) throw badRequest('expertise_areas', 'items must NOT have more than 60 characters');
  return { expertise_areas: expertise, expertise_lower: expertise.map((e) => e.toLowerCase()) };
}

/** Alumni and faculty (route roles); registering twice makes no second mentor (primary key). */
export async function registerMentor(ctx: AppContext, actor: Actor, input: RegisterMentorBody) {
  const [created] = await ctx.db
    .insert(mentorProfiles)
    .values({
      user_id: actor.id,
      ...expertiseOf(input.expertise_areas),
      max_mentees: input.max_mentees ?? 3,
      bio: cleaned(input.bio) ?? null,
      availability: cleaned(input.availability) ?? null,
      is_available: input.is_available ?? true,
    })
    .onConflictDoNothing()
    .returning({ user_id: mentorProfiles.user_id });
  if (!created) throw conflict('You are already registered as a mentor');
  await mentorsChanged(ctx);
  return mentorCard(ctx.db, actor, actor.id);
}

/**
 * Partial update of the caller's mentor profile. Lowering max_mentees below the mentees one has is a
 * 409, decided by the UPDATE's own condition (a concurrent accept cannot slip between check and write).
 */
export async function updateMentor(ctx: AppContext, actor: Actor, input: UpdateMentorBody) {
  const set: Partial<typeof mentorProfiles.$inferInsert> = { updated_at: new Date() };
  if (input.expertise_areas) Object.assign(set, expertiseOf(input.expertise_areas));
  if (input.max_mentees !== undefined) set.max_mentees = input.max_mentees;
  if (input.bio !== undefined) set.bio = cleaned(input.bio);
  if (input.availability !== undefined) set.availability = cleaned(input.availability);
  if (input.is_available !== undefined) set.is_available = input.is_available;
  const fits = input.max_mentees === undefined ? undefined : sql`${mentorProfiles.current_mentees_count} <= ${input.max_mentees}`;
  const [updated] = await ctx.db
    .update(mentorProfiles)
    .set(set)
    .where(and(eq(mentorProfiles.user_id, actor.id), fits))
    .returning({ user_id: mentorProfiles.user_id });
  if (!updated) {
    await mentorCard(ctx.db, actor, actor.id); // 404 when the caller is no mentor
    throw conflict('max_mentees cannot be lower than the number of mentees you have now');
  }
  await mentorsChanged(ctx);
  return mentorCard(ctx.db, actor, actor.id);
}

export const updateAvailability = (ctx: AppContext, actor: Actor, input: AvailabilityBody) => updateMentor(ctx, actor, input);

/**
 * The list is the hot read, so it is hand-written SQL run on the pool (building this select with
 * drizzle's query builder on every request costs more CPU than the query itself on a small table);
 * the fragments are drizzle `sql` so they compose with the shared keyset cursor. The columns are the
 * same as mentorCardColumns. Account facts are read with scalar subqueries (one primary-key probe
 * per mentor), never by joining users in the WHERE: with 100,000 accounts and a few thousand mentors,
 * PostgreSQL would otherwise scan every account.
 */
const LIST_COLUMNS = sql.raw(`m.user_id AS mentor_id, u.name, u.role, m.is_available, m.expertise_areas, m.max_mentees,
  m.current_mentees_count, (m.current_mentees_count < m.max_mentees) AS has_capacity, m.rating, m.rating_count AS ratings_count,
  m.total_sessions, m.bio, m.availability, p.department, p.current_company, p.location, coalesce(p.skills, '{}'::text[]) AS skills,
  m.created_at, m.updated_at`);
const listFrom = (viewer: Viewer) =>
  sql`FROM mentor_profiles m LEFT JOIN profiles p ON p.user_id = m.user_id
   AND ((p.directory_visible AND NOT p.owner_deleted) OR p.user_id = ${viewer.id}::uuid OR ${sql.raw(viewer.role === 'admin' ? 'TRUE' : 'FALSE')})`;
/** Renders a statement for the pool (whose type parsers give Dates, as drizzle's selects do). */
const dialect = new PgDialect();
const onPool = async <Row extends Record<string, unknown>>(ctx: AppContext, statement: SQL) => {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  return (await ctx.pool.query<Row>(text, params)).rows;
};

/**
 * The list's WHERE; rows and count share it. With directory_verified_alumni_only, non-admins find
 * only mentors who are verified alumni, as in the directory (decision 110).
 */
function listConditions(query: MentorListQuery, scope: DirectoryScope): SQL[] {
  const where = [sql`(SELECT x.status FROM users x WHERE x.id = m.user_id) = 'active'`];
  if (scope === 'verified-alumni') where.push(verifiedAlumnus(sql`m.user_id`));
  if (query.available_only !== false) where.push(sql`m.is_available`);
  const expertise = skillsFilter(query.expertise);
  if (expertise.length) where.push(sql`m.expertise_lower && ${sql.param(expertise)}::text[]`);
  const minRating = query.min_rating?.trim();
  if (minRating) where.push(sql`coalesce(m.rating, 0) >= ${Number(minRating)}`);
  const q = query.q?.trim();
  if (q) where.push(sql`(SELECT x.name FROM users x WHERE x.id = m.user_id) ILIKE ${containsPattern(q)}`);
  const department = query.department?.trim();
  // Only a profile the viewer can see counts (the join leaves hidden ones out).
  if (department) where.push(sql`lower(p.department) = lower(${department})`);
  return where;
}

// By rating (unrated as 0) descending, then id ascending: the order of mentor_profiles_order_idx.
const mentorList = keyset<{ rating: number | null; mentor_id: string }>(
  'mentors',
  'desc',
  [
    { column: sql`coalesce(m.rating, 0)`, type: 'number' },
    { column: sql`m.user_id`, type: 'uuid', direction: 'asc' },
  ],
  (row) => [row.rating ?? 0, row.mentor_id],
);

/**
 * List counts are cached per filter set (src/lib/cache.ts, like the profile and job lists): every
 * mentor write and every rating bumps the "mentors" generation; the TTL bounds what no mentorship
 * write announces (a suspended account, a profile's department or visibility changing).
 */
const COUNT_TTL_SECONDS = 10;
const countKey = (viewer: Viewer, query: MentorListQuery, scope: DirectoryScope) => ({
  scope,
  expertise: query.expertise ?? '',
  q: query.q ?? '',
  department: query.department ?? '',
  min_rating: query.min_rating?.trim() ? String(Number(query.min_rating)) : '',
  available_only: String(query.available_only !== false),
  // The department filter sees the viewer's own hidden profile (and everything for admins).
  viewer: query.department?.trim() ? (viewer.role === 'admin' ? 'admin' : viewer.id) : '',
});

/** After a committed write that can change which mentors a list filter matches. */
export const mentorsChanged = (ctx: AppContext) => bumpGeneration(ctx, 'mentors');

/** Mentors by rating (unrated count as 0), then id; keyset pages; count from the same WHERE. */
export async function listMentors(ctx: AppContext, actor: Actor, query: MentorListQuery) {
  const scope = await directoryScope(ctx, actor);
  const where = listConditions(query, scope);
  const after = mentorList.after(ctx, query.cursor);
  const [rows, count] = await Promise.all([
    onPool<Card>(
      ctx,
      sql`SELECT ${LIST_COLUMNS} ${listFrom(actor)} JOIN users u ON u.id = m.user_id
       WHERE ${sql.join(after ? [...where, after] : where, sql` AND `)} ORDER BY ${mentorList.orderBy} LIMIT ${query.limit + 1}`,
    ),
    cachedIn<number>(ctx, 'mentors', countKeyOf(countKey(actor, query, scope)), COUNT_TTL_SECONDS, async () => {
      const [row] = await onPool<{ count: number }>(
        ctx,
        sql`SELECT count(*)::int AS count ${listFrom(actor)} WHERE ${sql.join(where, sql` AND `)}`,
      );
      return row.count;
    }),
  ]);
  return { ...mentorList.page(ctx, rows, query.limit), count };
}

/** A mentor with stats: mentees now, sessions completed, rating, and how often they answer. */
export async function getMentor(ctx: AppContext, actor: Actor, mentorId: string) {
  const card = await mentorCard(ctx.db, actor, mentorId);
  const [stats] = await ctx.db
    .select({
      received: sql<number>`count(*)::int`,
      answered: sql<number>`count(*) FILTER (WHERE ${mentorshipRequests.status} IN ('accepted', 'rejected'))::int`,
      expired: sql<number>`count(*) FILTER (WHERE ${mentorshipRequests.status} = 'expired')::int`,
    })
    .from(mentorshipRequests)
    .where(eq(mentorshipRequests.mentor_id, mentorId));
  const decided = stats.answered + stats.expired;
  return {
    ...card,
    stats: {
      current_mentees: card.current_mentees_count,
      sessions_completed: card.total_sessions,
      rating: card.rating,
      ratings_count: card.ratings_count,
      requests_received: stats.received,
      answer_rate: decided ? Math.round((stats.answered / decided) * 10_000) / 10_000 : null,
    },
  };
}
