import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest, forbidden, notFound } from '../../lib/errors.js';
import { keyset } from '../../lib/pagination.js';
import { preparedOn } from '../../lib/prepared.js';
import { users } from '../auth/auth.tables.js';
import { recordAudit } from '../audit/audit.service.js';
import { signedFileUrl } from '../files/files.service.js';
import { profiles } from '../profiles/profiles.tables.js';
import './engagement.events.js';
import { contentTypeOf, plainText, visibleItem, type ContentPreview, type ContentType } from './engagement.registry.js';
import { bumpCounter, countersOf, likedBy, likesCount } from './engagement.service.js';
import { engagementComments, engagementCounters } from './engagement.tables.js';

const c = engagementComments;
/** Deep threads stay readable and sort keys bounded. */
export const MAX_COMMENT_DEPTH = 20;
const DELETED = '[deleted]';
const HIDDEN = '[hidden]';

/**
 * The content type of the comments on `on` items (e.g. forum_comment on forum_post). Their rows live
 * in engagement_comments with content_type = `on`; the comment's own likes and reports use `name`.
 */
export function commentContentType(options: {
  name: string;
  on: string;
  label: string;
  link: (itemId: string, commentId: string) => string;
}): ContentType {
  const { name, on, label, link } = options;
  return {
    name,
    label,
    async find(db, id) {
      const [row] = await preparedOn(db, `${name}-find`, (h) =>
        h
          .select({ id: c.id, authorId: c.author_id, hidden_at: c.hidden_at, content_id: c.content_id })
          .from(c)
          .where(and(eq(c.id, sql.placeholder('id')), eq(c.content_type, on), isNull(c.deleted_at)))
          .prepare(`${name}-find`),
      ).execute({ id });
      if (!row) return undefined;
      const item = await contentTypeOf(on).find(db, row.content_id);
      if (!item) return undefined;
      return { id: row.id, authorId: row.authorId, hidden: row.hidden_at !== null || item.hidden };
    },
    async previews(db, ids) {
      if (!ids.length) return new Map();
      const rows = await db
        .select({
          id: c.id,
          content_id: c.content_id,
          content: c.content,
          author_id: c.author_id,
          author_name: users.name,
          hidden_at: c.hidden_at,
          deleted_at: c.deleted_at,
          created_at: c.created_at,
        })
        .from(c)
        .innerJoin(users, eq(users.id, c.author_id))
        .where(and(inArray(c.id, ids), eq(c.content_type, on)));
      return new Map(
        rows.map((r): [string, ContentPreview] => [
          r.id,
          {
            title: `Comment on a ${contentTypeOf(on).label}`,
            excerpt: plainText(r.content),
            author_id: r.author_id,
            author_name: r.author_name,
            link: link(r.content_id, r.id),
            is_hidden: r.hidden_at !== null,
            is_deleted: r.deleted_at !== null,
            created_at: r.created_at,
          },
        ]),
      );
    },
    setHidden: (tx, id, hidden) => setCommentHidden(tx, on, id, hidden),
    async remove(tx, id) {
      return (await softDeleteComment(tx, on, id)) !== undefined;
    },
  };
}

/** Hides or shows a live comment; the item's comments_count follows (it counts visible, live comments). */
async function setCommentHidden(tx: Tx, on: string, id: string, hidden: boolean) {
  const [row] = await tx
    .update(c)
    .set({ hidden_at: hidden ? sql`now()` : null })
    .where(and(eq(c.id, id), eq(c.content_type, on), isNull(c.deleted_at), hidden ? isNull(c.hidden_at) : sql`${c.hidden_at} IS NOT NULL`))
    .returning({ content_id: c.content_id });
  if (row) await bumpCounter(tx, on, row.content_id, 'comments_count', hidden ? -1 : 1);
  return Boolean(row);
}

async function softDeleteComment(tx: Tx, on: string, id: string) {
  const [row] = await tx
    .update(c)
    .set({ deleted_at: sql`now()`, updated_at: sql`now()` })
    .where(and(eq(c.id, id), eq(c.content_type, on), isNull(c.deleted_at)))
    .returning({ content_id: c.content_id, hidden_at: c.hidden_at, author_id: c.author_id });
  // A hidden comment was already out of the count.
  if (row && row.hidden_at === null) await bumpCounter(tx, on, row.content_id, 'comments_count', -1);
  return row;
}

/** The comment as the actor sees it: placeholders for deleted or hidden ones kept for their replies. */
function commentColumns(commentType: string, actor: Actor) {
  const admin = actor.role === 'admin';
  const visible = sql`(${c.deleted_at} IS NULL AND (${c.hidden_at} IS NULL OR ${c.author_id} = ${actor.id} OR ${admin}))`;
  return {
    visible,
    columns: {
      id: c.id,
      content_type: c.content_type,
      content_id: c.content_id,
      parent_comment_id: c.parent_id,
      author_id: c.author_id,
      author_name: users.name,
      photo_key: profiles.photo_key,
      content: c.content,
      depth: c.depth,
      sort_key: c.sort_key,
      likes_count: likesCount,
      liked_by_me: likedBy(commentType, c.id, actor.id),
      hidden_at: c.hidden_at,
      deleted_at: c.deleted_at,
      is_visible: sql<boolean>`${visible}`,
      created_at: c.created_at,
      updated_at: c.updated_at,
    },
  };
}

const selectComments = (ctx: AppContext, commentType: string, actor: Actor) => {
  const { columns, visible } = commentColumns(commentType, actor);
  const query = ctx.db
    .select(columns)
    .from(c)
    .innerJoin(users, eq(users.id, c.author_id))
    .leftJoin(profiles, eq(profiles.user_id, c.author_id))
    .leftJoin(engagementCounters, countersOf(commentType, c.id));
  return { query, visible };
};

type CommentRow = Awaited<ReturnType<ReturnType<typeof selectComments>['query']['execute']>>[number];

export function toCommentView(ctx: AppContext, row: CommentRow) {
  const shown = row.is_visible;
  return {
    id: row.id,
    content_type: row.content_type,
    content_id: row.content_id,
    parent_comment_id: row.parent_comment_id,
    author_id: shown ? row.author_id : null,
    author: shown ? { id: row.author_id, name: row.author_name, photo_url: signedFileUrl(ctx, row.photo_key) } : null,
    content: shown ? row.content : row.deleted_at ? DELETED : HIDDEN,
    depth: row.depth,
    likes_count: row.likes_count,
    liked_by_me: row.liked_by_me,
    is_deleted: row.deleted_at !== null,
    is_hidden: row.hidden_at !== null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
export type CommentView = ReturnType<typeof toCommentView>;

async function readComment(ctx: AppContext, actor: Actor, commentType: string, id: string) {
  const { query } = selectComments(ctx, commentType, actor);
  const [row] = await query.where(eq(c.id, id));
  return toCommentView(ctx, row);
}

/**
 * Thread order is the materialized path compared byte-wise (engagement_comments_thread_idx is COLLATE "C").
 * One list per commented content type (`forum_post.comments`...), so a thread cursor is a 400 on any other list.
 */
const threadList = (typeName: string) =>
  keyset<{ sort_key: string }>(`${typeName}.comments`, 'asc', [{ column: c.sort_key, type: 'text', collate: 'C' }], (row) => [
    row.sort_key,
  ]);

/**
 * One page of an item's thread in thread order (replies right under their parent, siblings oldest
 * first). A deleted (or hidden-from-you) comment stays as a placeholder only while it has a live
 * reply you can see, so the thread keeps its shape.
 */
export async function listComments(ctx: AppContext, actor: Actor, typeName: string, id: string, page: { limit: number; cursor?: string }) {
  const { type } = await visibleItem(ctx.db, actor, typeName, id);
  const commentType = type.commentType;
  if (!commentType) throw notFound('Comments');
  const { query, visible } = selectComments(ctx, commentType, actor);
  const r = sql.raw('r');
  const liveReply = sql`EXISTS (SELECT 1 FROM ${c} ${r} WHERE r.content_type = ${c.content_type} AND r.content_id = ${c.content_id}
    AND r.sort_key COLLATE "C" > (${c.sort_key} || '/') AND r.sort_key COLLATE "C" < (${c.sort_key} || '0')
    AND r.deleted_at IS NULL AND (r.hidden_at IS NULL OR r.author_id = ${actor.id} OR ${actor.role === 'admin'}))`;
  const thread = threadList(typeName);
  const conditions: SQL[] = [eq(c.content_type, typeName), eq(c.content_id, id), sql`(${visible} OR ${liveReply})`];
  const rows = await query
    .where(and(...conditions, thread.after(ctx, page.cursor)))
    .orderBy(thread.orderBy)
    .limit(page.limit + 1);
  const { results, next_cursor } = thread.page(ctx, rows, page.limit);
  return { results: results.map((row) => toCommentView(ctx, row)), next_cursor };
}

/** Comments (and replies: a parent must be a live comment on the same item, else 400). */
export async function addComment(
  ctx: AppContext,
  actor: Actor,
  typeName: string,
  id: string,
  input: { content: string; parent_comment_id?: string | null },
) {
  const { type, item } = await visibleItem(ctx.db, actor, typeName, id);
  const commentType = type.commentType;
  if (!commentType) throw notFound('Comments');
  const commentId = randomUUID();
  await ctx.db.transaction(async (tx) => {
    let parent: { sort_key: string; depth: number; author_id: string } | undefined;
    if (input.parent_comment_id) {
      [parent] = await tx
        .select({ sort_key: c.sort_key, depth: c.depth, author_id: c.author_id })
        .from(c)
        .where(
          and(
            eq(c.id, input.parent_comment_id),
            eq(c.content_type, typeName),
            eq(c.content_id, id),
            isNull(c.deleted_at),
            sql`(${c.hidden_at} IS NULL OR ${c.author_id} = ${actor.id} OR ${actor.role === 'admin'})`,
          ),
        );
      if (!parent) throw badRequest('parent_comment_id', `is not a comment of this ${type.label}`);
      if (parent.depth + 1 > MAX_COMMENT_DEPTH)
        throw badRequest('parent_comment_id', `is nested too deeply (at most ${MAX_COMMENT_DEPTH} levels)`);
    }
    const ownKey = sql`to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') || ${commentId.replace(/-/g, '')}`;
    await tx.insert(c).values({
      id: commentId,
      content_type: typeName,
      content_id: id,
      parent_id: input.parent_comment_id ?? null,
      author_id: actor.id,
      content: input.content,
      depth: parent ? parent.depth + 1 : 0,
      sort_key: parent ? sql`${`${parent.sort_key}/`} || ${ownKey}` : ownKey,
    });
    await bumpCounter(tx, typeName, id, 'comments_count', 1);
    await ctx.events.publish(tx, 'engagement.comment_added', {
      contentType: typeName,
      contentId: id,
      commentType,
      commentId,
      authorId: actor.id,
      itemAuthorId: item.authorId,
      parentCommentId: input.parent_comment_id ?? null,
      parentAuthorId: parent?.author_id ?? null,
    });
  });
  return readComment(ctx, actor, commentType, commentId);
}

/** The live comment behind a comment id, with its item (404 when either is gone or hidden from the actor). */
async function commentToChange(ctx: AppContext, actor: Actor, commentTypeName: string, commentId: string) {
  const { item } = await visibleItem(ctx.db, actor, commentTypeName, commentId, 'Comment');
  const [row] = await ctx.db.select({ content_type: c.content_type }).from(c).where(eq(c.id, commentId));
  return { item, on: row.content_type };
}

/** Only the author edits a comment (admins moderate instead). */
export async function editComment(ctx: AppContext, actor: Actor, commentTypeName: string, commentId: string, content: string) {
  const { item } = await commentToChange(ctx, actor, commentTypeName, commentId);
  if (item.authorId !== actor.id) throw forbidden('Only the author may edit this comment');
  await ctx.db
    .update(c)
    .set({ content, updated_at: sql`now()` })
    .where(and(eq(c.id, commentId), isNull(c.deleted_at)));
  return readComment(ctx, actor, commentTypeName, commentId);
}

/** Soft delete by the author or an admin (an admin deleting someone else's comment is audited). */
export async function deleteComment(ctx: AppContext, actor: Actor, commentTypeName: string, commentId: string, ip?: string) {
  const { item, on } = await commentToChange(ctx, actor, commentTypeName, commentId);
  const byAdmin = item.authorId !== actor.id;
  if (byAdmin && actor.role !== 'admin') throw forbidden('Only the author or an admin may delete this comment');
  await ctx.db.transaction(async (tx) => {
    const removed = await softDeleteComment(tx, on, commentId);
    if (!removed) throw notFound('Comment');
    if (byAdmin) {
      await recordAudit(tx, {
        adminId: actor.id,
        actionType: 'content.delete',
        targetType: commentTypeName,
        targetId: commentId,
        description: `Deleted a ${contentTypeOf(commentTypeName).label} by another member`,
        metadata: { author_id: item.authorId },
        ip,
      });
    }
  });
}
