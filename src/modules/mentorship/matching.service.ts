import { inArray, sql } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import type { MatchBody } from './mentorship.schemas.js';
import { directoryScope, verifiedAlumnus, type DirectoryScope } from '../profiles/profiles.search.js';
import { mentorProfiles } from './mentorship.tables.js';
import { selectMentors } from './mentors.service.js';

/**
 * Explainable matching (docs/mentorship.md):
 *   score = 0.60·cos + 0.15·rating/5 + 0.10·free seats/max_mentees
 *         + 0.05·same department + 0.05·same company + 0.05·same location      ∈ [0, 1]
 * cos is the cosine similarity of binary TF-IDF skill vectors: the member's profile skills against the
 * mentor's expertise areas ∪ profile skills, idf(s) = ln((N+1)/(df(s)+1)) + 1 over the listed profiles
 * (mentorship_skill_frequencies, rebuilt by a job). Mentor profile fields count only when the member may
 * see that profile. Ties go to the lower mentor id, so the same data always gives the same order.
 */
export const WEIGHTS = { similarity: 0.6, rating: 0.15, capacity: 0.1, department: 0.05, company: 0.05, location: 0.05 };

/** Rebuilds the document frequencies from the listed profiles; one rebuild at a time, readers see old or new. */
export async function refreshMatchingCorpus(ctx: AppContext) {
  await ctx.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('mentorship_corpus'))`);
    await tx.execute(sql`DELETE FROM mentorship_skill_frequencies`);
    await tx.execute(sql`
      INSERT INTO mentorship_skill_frequencies (skill, document_count)
      SELECT s, count(DISTINCT p.user_id)::int FROM profiles p, unnest(p.skills_lower) s
      WHERE p.directory_visible AND NOT p.owner_deleted GROUP BY s`);
    await tx.execute(sql`
      INSERT INTO mentorship_corpus (id, documents, refreshed_at)
      VALUES (1, (SELECT count(*)::int FROM profiles WHERE directory_visible AND NOT owner_deleted), now())
      ON CONFLICT (id) DO UPDATE SET documents = excluded.documents, refreshed_at = excluded.refreshed_at`);
  });
}

interface ScoredRow extends Record<string, unknown> {
  user_id: string;
  score: number;
  similarity: number;
  shared_terms: string[] | null;
  same_department: boolean;
  same_company: boolean;
  same_location: boolean;
}

/**
 * The ranking, entirely in SQL: only the top `limit` rows come back to JS. `scope` is the member's
 * directory scope: with `verified-alumni` only mentors who are verified alumni are candidates (decision 110).
 */
export const rankingSql = (memberId: string, isAdmin: boolean, limit: number, scope: DirectoryScope = 'listed') => {
  // Constants go into the text (not parameters) so PostgreSQL plans them as float8 literals.
  const w = Object.fromEntries(Object.entries(WEIGHTS).map(([k, v]) => [k, sql.raw(String(v))])) as Record<
    keyof typeof WEIGHTS,
    ReturnType<typeof sql.raw>
  >;
  return sql`
WITH me AS (
  SELECT coalesce(p.skills_lower, '{}'::text[]) AS skills, lower(p.department) AS department,
         lower(p.current_company) AS company, lower(p.location) AS location
  FROM (SELECT 1) one LEFT JOIN profiles p ON p.user_id = ${memberId}::uuid
), corpus AS (
  SELECT coalesce((SELECT documents FROM mentorship_corpus WHERE id = 1), 0)::float8 AS n
), my_vec AS (
  SELECT t.term, coalesce(ln((c.n + 1) / (f.document_count + 1)), ln(c.n + 1)) + 1 AS w
  FROM (SELECT DISTINCT unnest(me.skills) AS term FROM me) t CROSS JOIN corpus c
  LEFT JOIN mentorship_skill_frequencies f ON f.skill = t.term
), my_norm AS (
  SELECT sqrt(coalesce(sum(w * w), 0)) AS norm FROM my_vec
), cand AS (
  SELECT m.user_id, coalesce(m.rating, 0) AS rating, m.max_mentees, m.current_mentees_count,
         m.expertise_lower || coalesce(p.skills_lower, '{}'::text[]) AS terms,
         lower(p.department) AS department, lower(p.current_company) AS company, lower(p.location) AS location
  FROM mentor_profiles m
  LEFT JOIN profiles p ON p.user_id = m.user_id AND (${sql.raw(isAdmin ? 'TRUE' : 'FALSE')} OR (p.directory_visible AND NOT p.owner_deleted))
  -- The account's status by primary-key probe: joining users would scan all of them.
  WHERE m.is_available AND m.current_mentees_count < m.max_mentees AND m.user_id <> ${memberId}::uuid
    AND (SELECT u.status FROM users u WHERE u.id = m.user_id) = 'active'
    ${scope === 'verified-alumni' ? sql`AND ${verifiedAlumnus(sql`m.user_id`)}` : sql``}
    -- The member's own few requests and mentorships, read once (an init plan), not once per mentor.
    AND m.user_id <> ALL (ARRAY(
      SELECT r.mentor_id FROM mentorship_requests r WHERE r.student_id = ${memberId}::uuid AND r.status IN ('pending', 'rejected')
      UNION ALL
      SELECT s.mentor_id FROM mentorships s WHERE s.student_id = ${memberId}::uuid AND s.status = 'active'))
), weighted AS (
  SELECT ct.user_id, ct.term, coalesce(ln((c.n + 1) / (f.document_count + 1)), ln(c.n + 1)) + 1 AS w, mv.w AS my_w
  FROM (SELECT DISTINCT cand.user_id, t.term FROM cand, unnest(cand.terms) AS t(term)) ct
  CROSS JOIN corpus c
  LEFT JOIN mentorship_skill_frequencies f ON f.skill = ct.term
  LEFT JOIN my_vec mv ON mv.term = ct.term
), sims AS (
  SELECT user_id, sum(w * w) AS norm2, coalesce(sum(w * my_w), 0) AS dot,
         array_agg(term ORDER BY term) FILTER (WHERE my_w IS NOT NULL) AS shared_terms
  FROM weighted GROUP BY user_id
), scored AS (
  SELECT cand.user_id, s.shared_terms,
         CASE WHEN s.norm2 > 0 AND my_norm.norm > 0 THEN s.dot / (sqrt(s.norm2) * my_norm.norm) ELSE 0 END AS similarity,
         coalesce(cand.department = me.department, false) AS same_department,
         coalesce(cand.company = me.company, false) AS same_company,
         coalesce(cand.location = me.location, false) AS same_location,
         cand.rating, (cand.max_mentees - cand.current_mentees_count)::float8 / cand.max_mentees AS free
  FROM cand CROSS JOIN me CROSS JOIN my_norm LEFT JOIN sims s ON s.user_id = cand.user_id
)
SELECT user_id, shared_terms, same_department, same_company, same_location,
       round(least(similarity, 1)::numeric, 6)::float8 AS similarity,
       round((${w.similarity} * least(similarity, 1) + ${w.rating} * rating / 5 + ${w.capacity} * free
         + ${w.department} * same_department::int + ${w.company} * same_company::int
         + ${w.location} * same_location::int)::numeric, 6)::float8 AS score
FROM scored
ORDER BY score DESC, user_id ASC
LIMIT ${limit}`;
};

type Card = Awaited<ReturnType<ReturnType<typeof selectMentors>['execute']>>[number];

function reasonsOf(row: ScoredRow, card: Card) {
  const spellings = new Map([...card.skills, ...card.expertise_areas].map((s) => [s.toLowerCase(), s]));
  const shared = (row.shared_terms ?? []).map((t) => spellings.get(t) ?? t);
  const reasons: { type: string; message: string }[] = [];
  if (shared.length)
    reasons.push({
      type: 'shared_skills',
      message: `Shares ${shared.length === 1 ? 'a skill' : `${shared.length} skills`} with you: ${shared.join(', ')}`,
    });
  if (row.same_department && card.department) reasons.push({ type: 'same_department', message: `Same department: ${card.department}` });
  if (row.same_company && card.current_company) reasons.push({ type: 'same_company', message: `Also at ${card.current_company}` });
  if (row.same_location && card.location) reasons.push({ type: 'same_location', message: `Also in ${card.location}` });
  if (card.rating !== null && card.rating >= 4) {
    reasons.push({ type: 'rating', message: `Rated ${card.rating} on average by mentees (${card.ratings_count} ratings)` });
  }
  const free = card.max_mentees - card.current_mentees_count;
  reasons.push({ type: 'capacity', message: `${free} of ${card.max_mentees} mentee places free` });
  return { shared, reasons };
}

/** Ranked mentors for the signed-in member (students and alumni), best first. */
export async function matchSuggestions(ctx: AppContext, actor: Actor, input: MatchBody) {
  const limit = input.limit ?? 10;
  const [corpus] = (await ctx.db.execute(sql`SELECT 1 FROM mentorship_corpus WHERE id = 1`)).rows;
  if (!corpus) await refreshMatchingCorpus(ctx);
  const scope = await directoryScope(ctx, actor);
  const { rows } = await ctx.db.execute<ScoredRow>(rankingSql(actor.id, actor.role === 'admin', limit, scope));
  if (!rows.length) return { results: [] };
  const cards = await selectMentors(ctx.db, actor).where(
    inArray(
      mentorProfiles.user_id,
      rows.map((r) => r.user_id),
    ),
  );
  const byId = new Map(cards.map((c) => [c.mentor_id, c]));
  return {
    results: rows
      .filter((r) => byId.has(r.user_id))
      .map((r) => {
        const card = byId.get(r.user_id)!;
        const { shared, reasons } = reasonsOf(r, card);
        return { mentor: card, score: r.score, similarity: r.similarity, shared_skills: shared, reasons };
      }),
  };
}
