import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { EventMap } from '../../lib/events.js';
import '../engagement/engagement.events.js';
import { plainText } from '../engagement/engagement.registry.js';
import { engagementComments } from '../engagement/engagement.tables.js';
import type { NotificationRule } from '../notifications/notifications.rules.js';
import { users } from '../auth/auth.tables.js';
import { FORUM_COMMENT, FORUM_POST, postLink } from './forum.content.js';
import { forumPosts } from './forum.tables.js';

const isForum = (contentType: string) => contentType === FORUM_POST || contentType === FORUM_COMMENT;

// Titles and comments are Markdown typed by members: whatever goes into a message (and so into
// an e-mail) is reduced to plain text first.
async function postTitle(db: Db, postId: string) {
  const [post] = await db.select({ title: forumPosts.title }).from(forumPosts).where(eq(forumPosts.id, postId));
  return post ? plainText(post.title, 120) : 'a post';
}

async function commentInfo(db: Db, commentId: string) {
  const [row] = await db
    .select({ content: engagementComments.content, post_id: engagementComments.content_id, author: users.name })
    .from(engagementComments)
    .innerJoin(users, eq(users.id, engagementComments.author_id))
    .where(eq(engagementComments.id, commentId));
  return row;
}

/** The post a forum item belongs to (a comment's post, or the post itself). */
async function postOf(db: Db, contentType: string, contentId: string) {
  if (contentType === FORUM_POST) return contentId;
  return (await commentInfo(db, contentId))?.post_id ?? null;
}

type Commented = EventMap['engagement.comment_added'];

export const forumNotificationRules: NotificationRule<any>[] = [
  {
    event: 'engagement.comment_added',
    type: 'forum.post_replied',
    // The post's author, unless they wrote it, or are told below as the parent comment's author.
    recipients: (e: Commented) =>
      e.contentType === FORUM_POST && e.itemAuthorId !== e.authorId && e.itemAuthorId !== e.parentAuthorId ? [e.itemAuthorId] : [],
    async render(db: Db, e: Commented) {
      const [title, info] = await Promise.all([postTitle(db, e.contentId), commentInfo(db, e.commentId)]);
      return {
        title: `New comment on “${title}”`,
        message: `${info?.author ?? 'Someone'} commented: ${plainText(info?.content ?? '', 200)}`,
        link: `${postLink(e.contentId)}#comment-${e.commentId}`,
        metadata: { post_id: e.contentId, comment_id: e.commentId },
      };
    },
  } satisfies NotificationRule<'engagement.comment_added'>,
  {
    event: 'engagement.comment_added',
    type: 'forum.comment_replied',
    recipients: (e: Commented) =>
      e.contentType === FORUM_POST && e.parentAuthorId && e.parentAuthorId !== e.authorId ? [e.parentAuthorId] : [],
    async render(db: Db, e: Commented) {
      const [title, info] = await Promise.all([postTitle(db, e.contentId), commentInfo(db, e.commentId)]);
      return {
        title: `New reply to your comment on “${title}”`,
        message: `${info?.author ?? 'Someone'} replied: ${plainText(info?.content ?? '', 200)}`,
        link: `${postLink(e.contentId)}#comment-${e.commentId}`,
        metadata: { post_id: e.contentId, comment_id: e.commentId, parent_comment_id: e.parentCommentId },
      };
    },
  } satisfies NotificationRule<'engagement.comment_added'>,
  {
    event: 'engagement.like_milestone',
    type: 'forum.like_milestone',
    recipients: (e: EventMap['engagement.like_milestone']) =>
      isForum(e.contentType) && e.itemAuthorId !== e.likerId ? [e.itemAuthorId] : [],
    async render(db: Db, e: EventMap['engagement.like_milestone']) {
      const postId = await postOf(db, e.contentType, e.contentId);
      const what = e.contentType === FORUM_POST ? `your post “${await postTitle(db, e.contentId)}”` : 'your comment';
      const likes = e.milestone === 1 ? 'its first like' : `${e.milestone} likes`;
      return {
        title: e.milestone === 1 ? `Someone liked ${what}` : `${capitalize(what)} reached ${e.milestone} likes`,
        message: `${capitalize(what)} got ${likes}.`,
        link: postId ? `${postLink(postId)}${e.contentType === FORUM_COMMENT ? `#comment-${e.contentId}` : ''}` : null,
        priority: 'low',
        metadata: { content_type: e.contentType, content_id: e.contentId, milestone: e.milestone },
      };
    },
  } satisfies NotificationRule<'engagement.like_milestone'>,
  {
    event: 'engagement.content_moderated',
    type: 'forum.content_moderated',
    recipients: (e: EventMap['engagement.content_moderated']) =>
      isForum(e.contentType) && e.action !== 'approved' && e.authorId !== e.byUserId ? [e.authorId] : [],
    async render(db: Db, e: EventMap['engagement.content_moderated']) {
      const postId = await postOf(db, e.contentType, e.contentId);
      const what = e.contentType === FORUM_POST ? `Your post “${await postTitle(db, e.contentId)}”` : 'Your comment';
      const outcome =
        e.action === 'hidden'
          ? 'is hidden while a moderator reviews reports about it'
          : e.action === 'rejected'
            ? 'was hidden by a moderator'
            : 'was removed by a moderator';
      return {
        title: `${what} ${outcome}`,
        message: `${what} ${outcome}.${e.reason && e.action !== 'hidden' ? ` Reason: ${plainText(e.reason, 500)}` : ''}`,
        // A removed item reads 404: no link to it.
        link: e.action === 'removed' || !postId ? null : postLink(postId),
        priority: 'high',
        metadata: { content_type: e.contentType, content_id: e.contentId, action: e.action },
      };
    },
  } satisfies NotificationRule<'engagement.content_moderated'>,
];

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
