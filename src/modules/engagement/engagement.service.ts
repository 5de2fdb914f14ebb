import { and, eq, sql, type AnyColumn, type Placeholder } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { Actor, AppContext } from '../../lib/context.js';
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
 * Like or unlike (a second like is an unlike). Toggles of one member on one item are serialized by
 * a transaction-scoped advisory lock, so each request really flips the state; the like row and the
 * counter then change in ONE statement whose delta is what the DELETE/INSERT actually did, so
 * likes_count always equals the number of rows, whatever runs concurrently.
 */
export async function toggleLike(ctx: AppContext, actor: Actor, typeName: string, id: string) {
  const { item } = await visibleItem(ctx.db, actor, typeName, id);
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`like:${typeName}:${id}:${actor.id}`}, 0))`);
    const { rows } = await tx.execute<{ liked: boolean; likes_count: number }>(sql`
      WITH removed AS (
        DELETE FROM engagement_likes WHERE content_type = ${typeName} AND content_id = ${id} AND user_id = ${actor.id} RETURNING 1
      ), added AS (
        INSERT INTO engagement_likes (content_type, content_id, user_id)
        SELECT ${typeName}, ${id}, ${actor.id} WHERE NOT EXISTS (SELECT 1 FROM removed)
        ON CONFLICT DO NOTHING RETURNING 1
      ), delta AS (
        SELECT (SELECT count(*) FROM added) - (SELECT count(*) FROM removed) AS n
      ), counted AS (
        -- The proposed row must pass the CHECK before the conflict is seen, hence greatest(…, 0) there.
        INSERT INTO engagement_counters AS c (content_type, content_id, likes_count)
        VALUES (${typeName}, ${id}, greatest((SELECT n FROM delta), 0))
        ON CONFLICT (content_type, content_id) DO UPDATE SET likes_count = c.likes_count + (SELECT n FROM delta)
        RETURNING likes_count
      )
      SELECT EXISTS (SELECT 1 FROM added) AS liked, (SELECT likes_count FROM counted) AS likes_count`);
    const { liked, likes_count } = rows[0];
    const milestone = LIKE_MILESTONES.find((m) => m === Number(likes_count));
    if (liked && milestone) {
      // Announced once per milestone: unlike + like again does not notify twice.
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
          itemAuthorId: item.authorId,
          likerId: actor.id,
          milestone,
        });
      }
    }
    return { liked, likes_count: Number(likes_count) };
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
