import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createForumPost,
  createTestApp,
  forumComment,
  getForumPost,
  problemOf,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';

let t: TestApp;
let author: TestUser;
let other: TestUser;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  [author, other, admin] = await Promise.all((['alumni', 'student', 'admin'] as const).map((r) => t.user(r)));
});
afterAll(() => t?.close());

const thread = async (user: TestUser, postId: string, qs = '') =>
  (await user.inject({ method: 'GET', url: `/api/forum/posts/${postId}/comments${qs}` })).json() as {
    results: { id: string; content: string; depth: number; parent_comment_id: string | null; author: unknown; is_deleted: boolean }[];
    next_cursor: string | null;
  };

describe('comments and threads', () => {
  it('when replies are added out of order, then the thread lists replies under their parents in a stable order', async () => {
    const post = await createForumPost(author);
    const a = await forumComment(other, post.id, 'A');
    const b = await forumComment(author, post.id, 'B');
    const a1 = await forumComment(author, post.id, 'A1', a.id);
    const b1 = await forumComment(other, post.id, 'B1', b.id);
    const a2 = await forumComment(other, post.id, 'A2', a.id);
    const a1x = await forumComment(other, post.id, 'A1x', a1.id);
    expect(a1x).toMatchObject({ depth: 2, parent_comment_id: a1.id, post_id: post.id });
    const all = await thread(other, post.id);
    expect(all.results.map((c) => c.content)).toEqual(['A', 'A1', 'A1x', 'A2', 'B', 'B1']);
    expect(all.results.map((c) => c.depth)).toEqual([0, 1, 2, 1, 0, 1]);
    // Pages of 2 give the same order, each comment once.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await thread(other, post.id, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.results.map((c) => c.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(paged).toEqual([a.id, a1.id, a1x.id, a2.id, b.id, b1.id]);
    expect((await getForumPost(other, post.id)).json().comments_count).toBe(6);
  });

  it('when the parent is a comment of another post (or unknown), then 400 naming parent_comment_id', async () => {
    const post = await createForumPost(author);
    const elsewhere = await createForumPost(author);
    const foreign = await forumComment(other, elsewhere.id);
    for (const parent of [foreign.id, randomUUID()]) {
      const res = await other.inject({
        method: 'POST',
        url: `/api/forum/posts/${post.id}/comments`,
        payload: { content: 'x', parent_comment_id: parent },
      });
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe('parent_comment_id');
    }
    expect((await getForumPost(other, post.id)).json().comments_count).toBe(0);
  });

  it('when the body is bad, the post unknown or no token, then 400 / 404 / 401', async () => {
    const post = await createForumPost(author);
    const url = `/api/forum/posts/${post.id}/comments`;
    expect((await other.inject({ method: 'POST', url, payload: { content: '' } })).statusCode).toBe(400);
    expect((await other.inject({ method: 'POST', url, payload: { content: 'x', likes_count: 3 } })).statusCode).toBe(400);
    expect(
      (await other.inject({ method: 'POST', url: `/api/forum/posts/${randomUUID()}/comments`, payload: { content: 'x' } })).statusCode,
    ).toBe(404);
    expect((await t.app.inject({ method: 'POST', url, payload: { content: 'x' } })).statusCode).toBe(401);
  });

  it('when comments are deleted, then one with replies reads "[deleted]", one without disappears, and comments_count counts live ones', async () => {
    const post = await createForumPost(author);
    const parent = await forumComment(other, post.id, 'parent');
    const reply = await forumComment(author, post.id, 'reply', parent.id);
    const lonely = await forumComment(other, post.id, 'lonely');
    expect((await author.inject({ method: 'DELETE', url: `/api/forum/comments/${parent.id}` })).statusCode).toBe(403);
    expect((await other.inject({ method: 'DELETE', url: `/api/forum/comments/${parent.id}` })).statusCode).toBe(204);
    expect((await other.inject({ method: 'DELETE', url: `/api/forum/comments/${lonely.id}` })).statusCode).toBe(204);
    let view = await thread(author, post.id);
    expect(view.results.map((c) => [c.content, c.is_deleted])).toEqual([
      ['[deleted]', true],
      ['reply', false],
    ]);
    expect(view.results[0].author).toBeNull();
    expect((await getForumPost(author, post.id)).json().comments_count).toBe(1);
    // Deleting twice: 404, and the count does not move.
    expect((await other.inject({ method: 'DELETE', url: `/api/forum/comments/${parent.id}` })).statusCode).toBe(404);
    // The last reply goes (by an admin, audited): the deleted parent has nothing left to hold up.
    expect((await admin.inject({ method: 'DELETE', url: `/api/forum/comments/${reply.id}` })).statusCode).toBe(204);
    view = await thread(author, post.id);
    expect(view.results).toEqual([]);
    expect((await getForumPost(author, post.id)).json().comments_count).toBe(0);
    const audit = await t.database.db.execute(sql`SELECT action_type, target_type FROM audit_log WHERE target_id = ${reply.id}`);
    expect(audit.rows).toEqual([{ action_type: 'content.delete', target_type: 'forum_comment' }]);
    // Replying to a deleted comment is refused.
    const res = await other.inject({
      method: 'POST',
      url: `/api/forum/posts/${post.id}/comments`,
      payload: { content: 'x', parent_comment_id: parent.id },
    });
    expect(res.statusCode).toBe(400);
  });

  it('when the author edits a comment, then 200; someone else gets 403, an unknown one 404', async () => {
    const post = await createForumPost(author);
    const c = await forumComment(other, post.id, 'before');
    const res = await other.inject({ method: 'PUT', url: `/api/forum/comments/${c.id}`, payload: { content: 'after' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: c.id, content: 'after', post_id: post.id });
    expect((await author.inject({ method: 'PUT', url: `/api/forum/comments/${c.id}`, payload: { content: 'x' } })).statusCode).toBe(403);
    expect((await admin.inject({ method: 'PUT', url: `/api/forum/comments/${c.id}`, payload: { content: 'x' } })).statusCode).toBe(403);
    expect((await other.inject({ method: 'PUT', url: `/api/forum/comments/${randomUUID()}`, payload: { content: 'x' } })).statusCode).toBe(
      404,
    );
    expect(
      (await other.inject({ method: 'PUT', url: `/api/forum/comments/${c.id}`, payload: { content: 'x', depth: 1 } })).statusCode,
    ).toBe(400);
  });

  it('when the post is deleted, then its comments read 404 too', async () => {
    const post = await createForumPost(author);
    const c = await forumComment(other, post.id);
    await author.inject({ method: 'DELETE', url: `/api/forum/posts/${post.id}` });
    expect((await other.inject({ method: 'PUT', url: `/api/forum/comments/${c.id}`, payload: { content: 'x' } })).statusCode).toBe(404);
    expect((await other.inject({ method: 'GET', url: `/api/forum/posts/${post.id}/comments` })).statusCode).toBe(404);
  });

  it('when 20 comments arrive at once, then comments_count is 20', async () => {
    const post = await createForumPost(author);
    await Promise.all(Array.from({ length: 20 }, (_, i) => forumComment(i % 2 ? other : author, post.id, `c${i}`)));
    expect((await getForumPost(author, post.id)).json().comments_count).toBe(20);
  });
});

describe('bookmarks', () => {
  it('when a member bookmarks posts, then they list most recent first; removing is idempotent', async () => {
    const p1 = await createForumPost(author);
    const p2 = await createForumPost(author);
    for (const p of [p1, p2, p1]) {
      const res = await other.inject({ method: 'PUT', url: `/api/forum/posts/${p.id}/bookmark` });
      expect(res.json()).toEqual({ bookmarked: true });
    }
    let list = (await other.inject({ method: 'GET', url: '/api/forum/bookmarks' })).json();
    expect(list.results.map((p: { id: string }) => p.id)).toEqual([p2.id, p1.id]);
    expect(list.results[0].bookmarked_by_me).toBe(true);
    // Pages of 1 give the same order; the cursor belongs to this list only (tagged forum.bookmarks).
    const first = (await other.inject({ method: 'GET', url: '/api/forum/bookmarks?limit=1' })).json();
    expect(first.results.map((p: { id: string }) => p.id)).toEqual([p2.id]);
    const next = await other.inject({ method: 'GET', url: `/api/forum/bookmarks?limit=1&cursor=${first.next_cursor}` });
    expect(next.json().results.map((p: { id: string }) => p.id)).toEqual([p1.id]);
    const elsewhere = await other.inject({ method: 'GET', url: `/api/forum/posts?cursor=${first.next_cursor}` });
    expect(elsewhere.statusCode).toBe(400);
    expect(problemOf(elsewhere).errors?.[0]?.field).toBe('cursor');
    expect((await other.inject({ method: 'DELETE', url: `/api/forum/posts/${p2.id}/bookmark` })).statusCode).toBe(204);
    expect((await other.inject({ method: 'DELETE', url: `/api/forum/posts/${p2.id}/bookmark` })).statusCode).toBe(204);
    await author.inject({ method: 'DELETE', url: `/api/forum/posts/${p1.id}` });
    list = (await other.inject({ method: 'GET', url: '/api/forum/bookmarks' })).json();
    expect(list.results).toEqual([]);
    expect((await other.inject({ method: 'PUT', url: `/api/forum/posts/${randomUUID()}/bookmark` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/forum/bookmarks' })).statusCode).toBe(401);
  });
});
