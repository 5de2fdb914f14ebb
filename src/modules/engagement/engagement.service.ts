import { and, eq, sql, type AnyColumn, type Placeholder } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { conflict } from '../../lib/errors.js';
import './engagement.events.js';
import { LIKE_MILESTONES } from './engagement.events.js';
import { visibleItem } from './engagement.registry.js';
import { engagementBookmarks, engagementCounters, engagementLikes } from './engagement.tables.js';

/** Join condition for an item's counters (LEFT JOIN: a missing row means zeros). */
export const countersOf = (typeName: string, idColumn: AnyColumn) =>
  and(eq(engagementCounters.content_type, typeName), eq(engagementCounters.content_id, idColumn));
export const likesCount = sql<number>`coalesce(${engagementCounters.likes_count}, 0)`.mapWith(Number);
export const commentsCount = sql<number>`coalesce(${engagementCounters.comments_count}, 0)`.mapWith(Number);

/** `EXISTS` of the actor's like of an item (a primary-key probe). */
export const likedBy = (typeName: string, idColumn: AnyColumn, userId: string | Placeholder) =>
  sql<boolean>`EXISTS (SELECT 1 FROM ${engagementLikes} WHERE ${engagementLikes.content_type} = ${typeName} AND ${engagementLikes.content_id} = ${idColumn} AND ${engagementLikes.user_id} = ${userId})`;
export const bookmarkedBy = (typeName: string, idColumn: AnyColumn, userId: string | Placeholder) =>
  sql<boolean>`EXISTS (SELECT 1 FROM ${engagementBookmarks} WHERE ${engagementBookmarks.user_id} = ${userId} AND ${engagementBookmarks.content_type} = ${typeName} AND ${engagementBookmarks.content_id} = ${idColumn})`;

/** Adds `delta` to one counter of an item, creating its row; returns the new counters. Locks the row. */
export async function bumpCounter(tx: Tx, typeName: string, id: string, column: 'comments_count' | 'open_reports', delta: number) {
  const [row] = await tx
    .insert(engagementCounters)
    .values({ content_type: typeName, content_id: id, [column]: Math.max(delta, 0) })
    .onConflictDoUpdate({
      target: [engagementCounters.content_type, engagementCounters.content_id],
      set: { [column]: sql`${engagementCounters[column]} + ${delta}` },
    })
    .returning();
  return row;
}

/**
 * One like toggle in ONE statement: the like row is deleted if it exists, inserted otherwise, and
 * the counter changes by what the DELETE/INSERT actually did, so likes_count always equals the rows
 * whatever runs concurrently. `flipped` is false only when a simultaneous toggle of the same member
 * on the same item committed a row this statement's snapshot could not see (the INSERT met it as a
 * conflict): nothing changed then, and running the statement again (a new snapshot) flips it.
 * Named, so PostgreSQL parses and plans it once per connection and nothing is built per request.
 */
const TOGGLE_LIKE = {
  name: 'engagement-like-toggle',
  text: `WITH removed AS (
    DELETE FROM engagement_likes WHERE content_type = $1::text AND content_id = $2::uuid AND user_id = $3::uuid RETURNING 1
  ), added AS (
    INSERT INTO engagement_likes (content_type, content_id, user_id)
    SELECT $1::text, $2::uuid, $3::uuid WHERE NOT EXISTS (SELECT 1 FROM removed)
    ON CONFLICT DO NOTHING RETURNING 1
  ), delta AS (
    SELECT (SELECT count(*) FROM added) - (SELECT count(*) FROM removed) AS n
  ), counted AS (
    -- The proposed row must pass the CHECK before the conflict is seen, hence greatest(…, 0) there.
    INSERT INTO engagement_counters AS c (content_type, content_id, likes_count)
    SELECT $1::text, $2::uuid, greatest(n, 0) FROM delta WHERE n <> 0
    ON CONFLICT (content_type, content_id) DO UPDATE SET likes_count = c.likes_count + (SELECT n FROM delta)
    RETURNING likes_count
  )
  SELECT (SELECT n FROM delta) <> 0 AS flipped, EXISTS (SELECT 1 FROM added) AS liked, (SELECT likes_count FROM counted) AS likes_count`,
};

/**
 * Each attempt that does not flip means another toggle of this member on this item committed in
 * between, so the loop ends after at most as many attempts as there are such toggles in flight.
 */
const MAX_TOGGLE_ATTEMPTS = 50;

/**
 * Like or unlike (a second like is an unlike): one statement, no transaction (see TOGGLE_LIKE).
 * Simultaneous toggles of one member on one item each flip the state, in the order their rows
 * are locked; those of many members each count once.
 */
export async function toggleLike(ctx: AppContext, actor: Actor, typeName: string, id: string) {
  const { item } = await visibleItem(ctx.db, actor, typeName, id);
  for (let attempt = 1; ; attempt++) {
    const { rows } = await ctx.pool.query<{ flipped: boolean; liked: boolean; likes_count: number | null }>({
      ...TOGGLE_LIKE,
      values: [typeName, id, actor.id],
    });
    const { flipped, liked, likes_count } = rows[0]!;
    if (flipped) {
      const count = Number(likes_count);
      if (liked) await announceMilestone(ctx, actor, typeName, id, item.authorId, count);
      return { liked, likes_count: count };
    }
    if (attempt >= MAX_TOGGLE_ATTEMPTS) throw conflict('Too many simultaneous likes of this item by you; try again');
  }
}

/**
 * The first time an item's likes reach 1, 10 or 100, its author is told (once per milestone: unlike
 * and like again does not notify twice). The milestone and its event commit together; a concurrent
 * toggle reaching the same count finds the milestone already recorded.
 */
async function announceMilestone(ctx: AppContext, actor: Actor, typeName: string, id: string, itemAuthorId: string, count: number) {
  const milestone = LIKE_MILESTONES.find((m) => m === count);
  if (!milestone) return;
  await ctx.db.transaction(async (tx) => {
    const [reached] = await tx
      .update(engagementCounters)
      .set({ likes_milestone: milestone })
      .where(
        and(
          eq(engagementCounters.content_type, typeName),
          eq(engagementCounters.content_id, id),
          sql`${engagementCounters.likes_milestone} < ${milestone}`,
        ),
      )
      .returning({ m: engagementCounters.likes_milestone });
    if (reached) {
      await ctx.events.publish(tx, 'engagement.like_milestone', {
        contentType: typeName,
        contentId: id,
        itemAuthorId,
        likerId: actor.id,
        milestone,
      });
    }
  });
}

/** Saves an item for the member (idempotent). */
export async function addBookmark(ctx: AppContext, actor: Actor, typeName: string, id: string) {
  await visibleItem(ctx.db, actor, typeName, id);
  await ctx.db.insert(engagementBookmarks).values({ user_id: actor.id, content_type: typeName, content_id: id }).onConflictDoNothing();
  return { bookmarked: true };
}

/** Forgets a saved item (idempotent; the item may be gone by now). */
export async function removeBookmark(ctx: AppContext, actor: Actor, typeName: string, id: string) {
  await ctx.db
    .delete(engagementBookmarks)
    .where(
      and(
        eq(engagementBookmarks.user_id, actor.id),
        eq(engagementBookmarks.content_type, typeName),
        eq(engagementBookmarks.content_id, id),
      ),
    );
}
