import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { preparedOn } from '../../lib/prepared.js';
import { users } from '../auth/auth.tables.js';
import { commentContentType } from '../engagement/engagement.comments.js';
import { plainText, registerContentType, type ContentPreview, type ContentType } from '../engagement/engagement.registry.js';
import { forumPosts } from './forum.tables.js';

const p = forumPosts;
export const FORUM_POST = 'forum_post';
export const FORUM_COMMENT = 'forum_comment';
export const postLink = (postId: string) => `/forum/posts/${postId}`;

/** Forum posts as engagement sees them: likeable, commentable, reportable, moderated. */
export const forumPostType: ContentType = {
  name: FORUM_POST,
  label: 'forum post',
  commentType: FORUM_COMMENT,
  async find(db, id) {
    // Every like, comment and report starts here: prepared once, not built per request.
    const [row] = await preparedOn(db, 'forum-post-find', (h) =>
      h
        .select({ id: p.id, authorId: p.author_id, hidden: sql<boolean>`${p.hidden_at} IS NOT NULL` })
        .from(p)
        .where(and(eq(p.id, sql.placeholder('id')), isNull(p.deleted_at)))
        .prepare('forum-post-find'),
    ).execute({ id });
    return row;
  },
  async previews(db, ids) {
    if (!ids.length) return new Map();
    const rows = await db
      .select({
        id: p.id,
        title: p.title,
        content: p.content,
        author_id: p.author_id,
        author_name: users.name,
        hidden_at: p.hidden_at,
        deleted_at: p.deleted_at,
        created_at: p.created_at,
      })
      .from(p)
      .innerJoin(users, eq(users.id, p.author_id))
      .where(inArray(p.id, ids));
    return new Map(
      rows.map((r): [string, ContentPreview] => [
        r.id,
        {
          title: plainText(r.title, 200),
          excerpt: plainText(r.content),
          author_id: r.author_id,
          author_name: r.author_name,
          link: postLink(r.id),
          is_hidden: r.hidden_at !== null,
          is_deleted: r.deleted_at !== null,
          created_at: r.created_at,
        },
      ]),
    );
  },
  async setHidden(tx, id, hidden) {
    const changed = await tx
      .update(p)
      .set({ hidden_at: hidden ? sql`now()` : null })
      .where(and(eq(p.id, id), isNull(p.deleted_at), hidden ? isNull(p.hidden_at) : sql`${p.hidden_at} IS NOT NULL`))
      .returning({ id: p.id });
    return changed.length > 0;
  },
  async remove(tx, id) {
    const removed = await tx
      .update(p)
      .set({ deleted_at: sql`now()`, updated_at: sql`now()` })
      .where(and(eq(p.id, id), isNull(p.deleted_at)))
      .returning({ id: p.id });
    return removed.length > 0;
  },
};

export const forumCommentType = commentContentType({
  name: FORUM_COMMENT,
  on: FORUM_POST,
  label: 'forum comment',
  link: (postId, commentId) => `${postLink(postId)}#comment-${commentId}`,
});

/** Called when the forum's routes are registered. */
export function registerForumContentTypes() {
  registerContentType(forumPostType);
  registerContentType(forumCommentType);
}
