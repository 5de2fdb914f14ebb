/**
 * Engagement's domain events. Each carries the content type, so each module's notification rules
 * pick the events about their own types (forum.notifications.ts for forum_post/forum_comment).
 */
declare module '../../lib/events.js' {
  interface EventMap {
    /** A comment on an item; a reply also names the parent comment and its author. */
    'engagement.comment_added': {
      contentType: string;
      contentId: string;
      commentType: string;
      commentId: string;
      authorId: string;
      itemAuthorId: string;
      parentCommentId: string | null;
      parentAuthorId: string | null;
    };
    /** An item's likes reached 1, 10 or 100 for the first time. */
    'engagement.like_milestone': { contentType: string; contentId: string; itemAuthorId: string; likerId: string; milestone: number };
    /**
     * A moderation outcome for an item: hidden (3 reports), rejected or removed by an admin,
     * approved (reports dismissed, shown again). byUserId is null when the report threshold hid it.
     */
    'engagement.content_moderated': {
      contentType: string;
      contentId: string;
      authorId: string;
      action: 'hidden' | 'rejected' | 'removed' | 'approved';
      reason: string | null;
      byUserId: string | null;
    };
  }
}

export const LIKE_MILESTONES = [1, 10, 100] as const;
