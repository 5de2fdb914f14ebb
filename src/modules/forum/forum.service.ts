import { and, eq, isNull, sql, type SQL, type Placeholder } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest, forbidden, notFound } from '../../lib/errors.js';
import { cursorTimestamp, keyset } from '../../lib/pagination.js';
import { lowerSkills, normalizeSkills } from '../../lib/text.js';
import { recordAudit } from '../audit/audit.service.js';
import { users } from '../auth/auth.tables.js';
import { addComment, editComment, listComments, type CommentView } from '../engagement/engagement.comments.js';
import type { CommentBody } from '../engagement/engagement.schemas.js';
import type { Db } from '../../db/client.js';
import { readShaped } from '../../lib/prepared.js';
import { bookmarkedBy, commentsCount, countersOf, likedBy, likesCount } from '../engagement/engagement.service.js';
import { engagementBookmarks, engagementCounters } from '../engagement/engagement.tables.js';
import { signedFileUrl } from '../files/files.service.js';
import { profiles } from '../profiles/profiles.tables.js';
import { FORUM_COMMENT, FORUM_POST } from './forum.content.js';
import { MAX_TAG_LENGTH, MAX_TAGS, type CreatePostBody, type PostListQuery, type UpdatePostBody } from './forum.schemas.js';
import { forumPosts } from './forum.tables.js';

const p = forumPosts;

/** Trimmed, lower-cased, empty and repeated tags dropped (lib/text.ts, as skills); at most 10 of at most 40 characters. */
export function normalizeTags(raw: string[]) {
  const tags = lowerSkills(normalizeSkills(raw));
  if (tags.length > MAX_TAGS) throw badRequest('tags', `must have at most ${MAX_TAGS} distinct tags`);
  const long = tags.find((t) => t.length > MAX_TAG_LENGTH);
  if (long !== undefined) throw badRequest('tags', `must each have at most ${MAX_TAG_LENGTH} characters`);
  return tags;
}

/** `actorId` may be a placeholder, for a statement prepared once (listPosts). */
const postColumns = (actorId: string | Placeholder) => ({
  id: p.id,
  title: p.title,
  content: p.content,
  tags: p.tags,
  author_id: p.author_id,
  author_name: users.name,
  photo_key: profiles.photo_key,
  likes_count: likesCount,
  comments_count: commentsCount,
  is_pinned: p.is_pinned,
  hidden_at: p.hidden_at,
  liked_by_me: likedBy(FORUM_POST, p.id, actorId),
  bookmarked_by_me: bookmarkedBy(FORUM_POST, p.id, actorId),
  created_at: p.created_at,
  updated_at: p.updated_at,
  cursor_ts: cursorTimestamp(p.created_at),
});

/** Posts with their author and counters: one query, no N+1. */
const selectPosts = (db: Db, actorId: string | Placeholder) =>
  db
    .select(postColumns(actorId))
    .from(p)
    .innerJoin(users, eq(users.id, p.author_id))
    .leftJoin(profiles, eq(profiles.user_id, p.author_id))
    .leftJoin(engagementCounters, countersOf(FORUM_POST, p.id));

type PostRow = Awaited<ReturnType<ReturnType<typeof selectPosts>['execute']>>[number];

// Spelled out rather than `{ ...rest }` of the row: a page builds 20 of these, and copying the row
// minus some keys took V8's slow path (~10 µs a post).
function toPostView(ctx: AppContext, row: Omit<PostRow, 'cursor_ts'>) {
  return {
    id: row.id,
    title: row.title,
    content: row.content,
    tags: row.tags,
    author_id: row.author_id,
    likes_count: row.likes_count,
    comments_count: row.comments_count,
    is_pinned: row.is_pinned,
    liked_by_me: row.liked_by_me,
    bookmarked_by_me: row.bookmarked_by_me,
    created_at: row.created_at,
    updated_at: row.updated_at,
    author: { id: row.author_id, name: row.author_name, photo_url: signedFileUrl(ctx, row.photo_key) },
    is_hidden: row.hidden_at !== null,
  };
}

/** Hidden posts: only their author and admins see them (marked is_hidden). */
const visibleTo = (actor: Actor, actorId: string | Placeholder = actor.id): SQL =>
  actor.role === 'admin' ? sql`true` : sql`(${p.hidden_at} IS NULL OR ${p.author_id} = ${actorId})`;

async function readPost(ctx: AppContext, actor: Actor, postId: string) {
  const actorId = sql.placeholder('actor');
  const [row] = await readShaped(
    ctx,
    'forum-post',
    actor.role === 'admin' ? 'admin' : 'member',
    (db) => selectPosts(db, actorId).where(and(eq(p.id, sql.placeholder('post')), isNull(p.deleted_at), visibleTo(actor, actorId))),
    { actor: actor.id, post: postId },
  );
  if (!row) throw notFound('Post');
  return toPostView(ctx, row);
}

/**
 * The new post as readPost would answer it, in the same statement as the INSERT: nobody can have
 * liked, bookmarked or commented on a post before it exists, so its counters and the caller's flags
 * are constants, and its author is the caller (name and photo joined). One round trip, named so
 * PostgreSQL plans it once per connection; run as plain pg (no query builder on the hot path).
 */
const CREATE_POST = {
  name: 'forum-post-create',
  text: `WITH created AS (
    INSERT INTO forum_posts (author_id, title, content, tags) VALUES ($1::uuid, $2::text, $3::text, $4::text[])
    RETURNING id, title, content, tags, author_id, is_pinned, hidden_at, created_at, updated_at
  )
  SELECT p.id, p.title, p.content, p.tags, p.author_id, u.name AS author_name, pr.photo_key, 0 AS likes_count,
    0 AS comments_count, p.is_pinned, p.hidden_at, false AS liked_by_me, false AS bookmarked_by_me, p.created_at, p.updated_at
  FROM created p JOIN users u ON u.id = p.author_id LEFT JOIN profiles pr ON pr.user_id = p.author_id`,
};

export async function createPost(ctx: AppContext, actor: Actor, input: CreatePostBody) {
  const tags = normalizeTags(input.tags ?? []);
  const { rows } = await ctx.pool.query<Omit<PostRow, 'cursor_ts'>>({
    ...CREATE_POST,
    values: [actor.id, input.title.trim(), input.content, tags],
  });
  // One row: the INSERT's foreign key guarantees the author the JOIN reads.
  return toPostView(ctx, rows[0]!);
}

/** The post and the first page of its thread. */
export async function getPost(ctx: AppContext, actor: Actor, postId: string) {
  const post = await readPost(ctx, actor, postId);
  const comments = await listPostComments(ctx, actor, postId, { limit: 20 });
  return { ...post, comments };
}

export async function listPostComments(ctx: AppContext, actor: Actor, postId: string, page: { limit: number; cursor?: string }) {
  const thread = await listComments(ctx, actor, FORUM_POST, postId, page);
  return { ...thread, results: thread.results.map(asForumComment) };
}

export const asForumComment = (view: CommentView) => ({ ...view, post_id: view.content_id });

/** A live post the actor may change: 404 when unseen, 403 when someone else's (admins may). */
async function postToChange(ctx: AppContext, actor: Actor, postId: string) {
  const [post] = await ctx.db
    .select({ id: p.id, author_id: p.author_id })
    .from(p)
    .where(and(eq(p.id, postId), isNull(p.deleted_at), visibleTo(actor)));
  if (!post) throw notFound('Post');
  if (post.author_id !== actor.id && actor.role !== 'admin') throw forbidden('Only the author or an admin may change this post');
  return post;
}

export async function updatePost(ctx: AppContext, actor: Actor, postId: string, input: UpdatePostBody & { ip?: string }) {
  const post = await postToChange(ctx, actor, postId);
  const set: Partial<typeof p.$inferInsert> = { updated_at: new Date() };
  if (input.title !== undefined) set.title = input.title.trim();
  if (input.content !== undefined) set.content = input.content;
  if (input.tags !== undefined) set.tags = normalizeTags(input.tags);
  await ctx.db.transaction(async (tx) => {
    await tx
      .update(p)
      .set(set)
      .where(and(eq(p.id, postId), isNull(p.deleted_at)));
    if (post.author_id !== actor.id) {
      await recordAudit(tx, {
        adminId: actor.id,
        actionType: 'forum.post_edit',
        targetType: FORUM_POST,
        targetId: postId,
        description: 'Edited a forum post by another member',
        metadata: { author_id: post.author_id, fields: Object.keys(set).filter((k) => k !== 'updated_at') },
        ip: input.ip,
      });
    }
  });
  return readPost(ctx, actor, postId);
}

/** Soft delete: the post leaves every list and reads 404. An admin deleting someone else's post is audited. */
export async function deletePost(ctx: AppContext, actor: Actor, postId: string, ip?: string) {
  const post = await postToChange(ctx, actor, postId);
  await ctx.db.transaction(async (tx) => {
    const [removed] = await tx
      .update(p)
      .set({ deleted_at: sql`now()`, updated_at: sql`now()` })
      .where(and(eq(p.id, postId), isNull(p.deleted_at)))
      .returning({ id: p.id });
    if (!removed) throw notFound('Post');
    if (post.author_id !== actor.id) {
      await recordAudit(tx, {
        adminId: actor.id,
        actionType: 'content.delete',
        targetType: FORUM_POST,
        targetId: postId,
        description: 'Deleted a forum post by another member',
        metadata: { author_id: post.author_id },
        ip,
      });
    }
  });
}

/** Admins pin posts to the top of the list (SEARCH.md: pinned first); audited. */
export async function setPinned(ctx: AppContext, actor: Actor, postId: string, pinned: boolean, ip?: string) {
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(p)
      .set({ is_pinned: pinned })
      .where(and(eq(p.id, postId), isNull(p.deleted_at)))
      .returning({ id: p.id, author_id: p.author_id });
    if (!row) throw notFound('Post');
    await recordAudit(tx, {
      adminId: actor.id,
      actionType: pinned ? 'forum.post_pin' : 'forum.post_unpin',
      targetType: FORUM_POST,
      targetId: postId,
      description: pinned ? 'Pinned a forum post' : 'Unpinned a forum post',
      metadata: { author_id: row.author_id },
      ip,
    });
  });
  return readPost(ctx, actor, postId);
}

// Pinned first, then newest: the order of forum_posts_list_idx (and forum_posts_author_idx after its
// author), whose columns are DESC NULLS FIRST as ORDER BY … DESC reads them (decision 127), so a page
// is read from the index instead of sorting every match.
const postList = keyset<{ is_pinned: boolean; cursor_ts: string; id: string }>(
  'forum.posts',
  'desc',
  [
    { column: p.is_pinned, type: 'boolean' },
    { column: p.created_at, type: 'timestamp' },
    { column: p.id, type: 'uuid' },
  ],
  (row) => [row.is_pinned, row.cursor_ts, row.id],
);

/** SEARCH.md `GET /api/forum/posts`: tag, author, q; pinned first, then newest (created_at, id), keyset pages. */
export async function listPosts(ctx: AppContext, actor: Actor, query: PostListQuery) {
  const tag = query.tag?.trim().toLowerCase();
  const author = query.author?.trim();
  const q = query.q?.trim();
  const position = postList.positionParams(ctx, query.cursor);
  // Built once per shape (admin or not, which filters, first page or not) and prepared: building it
  // with drizzle on every request was most of the request's CPU.
  const shape = [actor.role === 'admin' ? 'admin' : 'member', tag && 'tag', author && 'author', q && 'q', position ? 'after' : 'first']
    .filter(Boolean)
    .join(':');
  const actorId = sql.placeholder('actor');
  const rows = await readShaped(
    ctx,
    'forum-posts',
    shape,
    (db) =>
      selectPosts(db, actorId)
        .where(
          and(
            isNull(p.deleted_at),
            visibleTo(actor, actorId),
            tag ? sql`${p.tags} @> ARRAY[${sql.placeholder('tag')}]::text[]` : undefined,
            author ? sql`${p.author_id} = ${sql.placeholder('author')}::uuid` : undefined,
            q ? sql`${p.search} @@ websearch_to_tsquery('english', ${sql.placeholder('q')})` : undefined,
            position ? postList.afterPlaceholders() : undefined,
          ),
        )
        .orderBy(postList.orderBy)
        .limit(sql.placeholder('limit')),
    { actor: actor.id, tag, author, q, ...position, limit: query.limit + 1 },
  );
  const page = postList.page(ctx, rows, query.limit);
  return { ...page, results: page.results.map((r) => toPostView(ctx, r)) };
}

// Most recently saved first: the order of engagement_bookmarks_list_idx (as postList).
const bookmarkList = keyset<{ saved_ts: string; id: string }>(
  'forum.bookmarks',
  'desc',
  [
    { column: engagementBookmarks.created_at, type: 'timestamp' },
    { column: engagementBookmarks.content_id, type: 'uuid' },
  ],
  (row) => [row.saved_ts, row.id],
);

/** The caller's bookmarked posts that still exist and that they may see, most recently saved first. */
export async function listMyBookmarks(ctx: AppContext, actor: Actor, query: { limit: number; cursor?: string }) {
  const b = engagementBookmarks;
  const conditions: SQL[] = [eq(b.user_id, actor.id), eq(b.content_type, FORUM_POST), isNull(p.deleted_at), visibleTo(actor)];
  const rows = await ctx.db
    .select({ ...postColumns(actor.id), saved_ts: cursorTimestamp(b.created_at) })
    .from(b)
    .innerJoin(p, eq(p.id, b.content_id))
    .innerJoin(users, eq(users.id, p.author_id))
    .leftJoin(profiles, eq(profiles.user_id, p.author_id))
    .leftJoin(engagementCounters, countersOf(FORUM_POST, p.id))
    .where(and(...conditions, bookmarkList.after(ctx, query.cursor)))
    .orderBy(bookmarkList.orderBy)
    .limit(query.limit + 1);
  const page = bookmarkList.page(ctx, rows, query.limit);
  return { ...page, results: page.results.map(({ saved_ts: _s, ...r }) => toPostView(ctx, r)) };
}

// The forum's side of the shared engagement parts: the same functions later modules call with their types.
export const addPostComment = async (ctx: AppContext, actor: Actor, postId: string, body: CommentBody) =>
  asForumComment(await addComment(ctx, actor, FORUM_POST, postId, body));
export const editForumComment = async (ctx: AppContext, actor: Actor, commentId: string, content: string) =>
  asForumComment(await editComment(ctx, actor, FORUM_COMMENT, commentId, content));
