import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createForumPost,
  createTestApp,
  forumComment,
  getForumPost,
  like,
  problemOf,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';
import type { AppContext } from '../../lib/context.js';
import { toggleLike } from '../engagement/engagement.service.js';

let t: TestApp;
let author: TestUser;
let other: TestUser;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  [author, other, admin] = await Promise.all((['alumni', 'student', 'admin'] as const).map((r) => t.user(r)));
});
afterAll(() => t?.close());

describe('POST /api/forum/posts', () => {
  it('when a member posts with tags, then 201 with normalized tags, zero counters and the author', async () => {
    const res = await author.inject({
      method: 'POST',
      url: '/api/forum/posts',
      payload: { title: '  Interview tips ', content: '# Hello\n<script>x</script>', tags: [' Career', 'INTERVIEW', 'career', ' '] },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      title: 'Interview tips',
      content: '# Hello\n<script>x</script>',
      tags: ['career', 'interview'],
      author_id: author.id,
      author: { id: author.id, name: author.name, photo_url: null },
      likes_count: 0,
      comments_count: 0,
      is_pinned: false,
      is_hidden: false,
      liked_by_me: false,
    });
  });

  it.each([
    [{ title: 'x', content: 'y', likes_count: 5 }, 'likes_count'],
    [{ title: 'x', content: 'y', is_pinned: true }, 'is_pinned'],
    [{ title: 'x', content: 'y', comments_count: 1 }, 'comments_count'],
    [{ content: 'y' }, 'title'],
    [{ title: '   ', content: 'y' }, 'title'],
    [{ title: 'x', content: 'y', tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'tags'],
    [{ title: 'x', content: 'y', tags: ['a'.repeat(41)] }, 'tags'],
  ])('when the body is %j, then 400 naming %s', async (payload, field) => {
    const res = await author.inject({ method: 'POST', url: '/api/forum/posts', payload });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(problemOf(res))).toContain(field);
  });

  it('when there is no token, then 401', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/forum/posts', payload: { title: 'x', content: 'y' } });
    expect(res.statusCode).toBe(401);
  });
});

describe('GET /api/forum/posts/{post_id}, PUT, DELETE', () => {
  it('when read, then the post comes with its author and the first page of comments', async () => {
    const post = await createForumPost(author);
    const c1 = await forumComment(other, post.id, 'first');
    const res = await getForumPost(other, post.id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: post.id, comments_count: 1, author: { name: author.name } });
    expect(res.json().comments).toMatchObject({
      results: [{ id: c1.id, post_id: post.id, content: 'first', author: { id: other.id } }],
      next_cursor: null,
    });
  });

  it('when the id is unknown or malformed, then 404 / 400', async () => {
    expect((await getForumPost(other, randomUUID())).statusCode).toBe(404);
    expect((await getForumPost(other, 'nope')).statusCode).toBe(400);
  });

  it('when the author edits, then only the fields sent change; another member gets 403; an admin may (audited)', async () => {
    const post = await createForumPost(author, { tags: ['a'] });
    const res = await author.inject({ method: 'PUT', url: `/api/forum/posts/${post.id}`, payload: { title: 'New title' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ title: 'New title', tags: ['a'] });
    expect((await other.inject({ method: 'PUT', url: `/api/forum/posts/${post.id}`, payload: { title: 'Mine' } })).statusCode).toBe(403);
    const byAdmin = await admin.inject({ method: 'PUT', url: `/api/forum/posts/${post.id}`, payload: { tags: ['B'] } });
    expect(byAdmin.json().tags).toEqual(['b']);
    const audit = await t.database.db.execute(sql`SELECT action_type, admin_id FROM audit_log WHERE target_id = ${post.id}`);
    expect(audit.rows).toEqual([{ action_type: 'forum.post_edit', admin_id: admin.id }]);
    expect((await author.inject({ method: 'PUT', url: `/api/forum/posts/${post.id}`, payload: { is_pinned: true } })).statusCode).toBe(400);
  });

  it('when deleted by the author, then 204, it reads 404 and leaves the list; others get 403', async () => {
    const post = await createForumPost(author, { tags: ['gone-soon'] });
    expect((await other.inject({ method: 'DELETE', url: `/api/forum/posts/${post.id}` })).statusCode).toBe(403);
    expect((await author.inject({ method: 'DELETE', url: `/api/forum/posts/${post.id}` })).statusCode).toBe(204);
    expect((await getForumPost(author, post.id)).statusCode).toBe(404);
    const list = await other.inject({ method: 'GET', url: '/api/forum/posts?tag=gone-soon' });
    expect(list.json().results).toEqual([]);
    expect((await author.inject({ method: 'DELETE', url: `/api/forum/posts/${post.id}` })).statusCode).toBe(404);
  });

  it('when an admin deletes a member’s post, then it is audited', async () => {
    const post = await createForumPost(author);
    expect((await admin.inject({ method: 'DELETE', url: `/api/forum/posts/${post.id}` })).statusCode).toBe(204);
    const audit = await t.database.db.execute(sql`SELECT action_type FROM audit_log WHERE target_id = ${post.id}`);
    expect(audit.rows).toEqual([{ action_type: 'content.delete' }]);
  });
});

describe('GET /api/forum/posts (SEARCH.md)', () => {
  it('when posts are pinned, then pinned first, then newest first, across pages', async () => {
    const tag = `order-${randomUUID().slice(0, 8)}`;
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createForumPost(i % 2 ? other : author, { tags: [tag.toUpperCase()] }));
    for (const i of [1, 3]) {
      const pin = await admin.inject({ method: 'POST', url: `/api/forum/posts/${made[i].id}/pin` });
      expect(pin.statusCode, pin.body).toBe(200);
      expect(pin.json().is_pinned).toBe(true);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await other.inject({ method: 'GET', url: `/api/forum/posts?tag=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ''}` });
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...res.json().results.map((p: { id: string }) => p.id));
      cursor = res.json().next_cursor;
    } while (cursor);
    expect(seen).toEqual([made[3].id, made[1].id, made[4].id, made[2].id, made[0].id]);
    const unpin = await admin.inject({ method: 'POST', url: `/api/forum/posts/${made[3].id}/unpin` });
    expect(unpin.json().is_pinned).toBe(false);
    const audits = await t.database.db.execute(
      sql`SELECT count(*)::int AS n FROM audit_log WHERE action_type IN ('forum.post_pin', 'forum.post_unpin')`,
    );
    expect(audits.rows[0].n).toBeGreaterThanOrEqual(3);
  });

  it('when filtering by author, tag (case-insensitive) and q, then filters AND together; empty filters nothing', async () => {
    const tag = `f-${randomUUID().slice(0, 8)}`;
    const a = await createForumPost(author, { tags: [tag], title: 'Kubernetes on a budget' });
    const b = await createForumPost(other, { tags: [tag], title: 'Cooking', content: 'pasta recipes' });
    const ids = async (qs: string) =>
      (await other.inject({ method: 'GET', url: `/api/forum/posts?${qs}` })).json().results.map((p: { id: string }) => p.id);
    expect(await ids(`tag=${tag.toUpperCase()}`)).toEqual([b.id, a.id]);
    expect(await ids(`tag=${tag}&author=${author.id}`)).toEqual([a.id]);
    expect(await ids(`tag=${tag}&author=%20`)).toEqual([b.id, a.id]);
    expect(await ids(`tag=${tag}&q=kubernetes`)).toEqual([a.id]);
    expect(await ids(`tag=${tag}&q=recipe`)).toEqual([b.id]);
  });

  it('when a parameter is malformed, then 400 naming it', async () => {
    for (const [qs, field] of [
      ['author=abc', 'author'],
      ['limit=0', 'limit'],
      ['cursor=forged', 'cursor'],
    ]) {
      const res = await other.inject({ method: 'GET', url: `/api/forum/posts?${qs}` });
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(problemOf(res))).toContain(field);
    }
  });

  it('when pinning as a member, then 403', async () => {
    const post = await createForumPost(author);
    expect((await author.inject({ method: 'POST', url: `/api/forum/posts/${post.id}/pin` })).statusCode).toBe(403);
  });
});

describe('likes', () => {
  it('when a member likes twice, then liked then unliked with the count following', async () => {
    const post = await createForumPost(author);
    const url = `/api/forum/posts/${post.id}`;
    expect((await like(other, url)).json()).toEqual({ liked: true, likes_count: 1 });
    expect((await getForumPost(other, post.id)).json()).toMatchObject({ likes_count: 1, liked_by_me: true });
    expect((await like(other, url)).json()).toEqual({ liked: false, likes_count: 0 });
    expect((await like(other, `/api/forum/posts/${randomUUID()}`)).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: `${url}/like` })).statusCode).toBe(401);
  });

  it('when a comment is liked and unliked, then its count follows; an unknown comment is 404, no token 401', async () => {
    const post = await createForumPost(author);
    const c = await forumComment(author, post.id);
    const url = `/api/forum/comments/${c.id}`;
    expect((await like(other, url)).json()).toEqual({ liked: true, likes_count: 1 });
    expect((await getForumPost(other, post.id)).json().comments.results[0]).toMatchObject({ likes_count: 1, liked_by_me: true });
    expect((await like(other, url)).json()).toEqual({ liked: false, likes_count: 0 });
    expect((await like(other, `/api/forum/comments/${randomUUID()}`)).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: `${url}/like` })).statusCode).toBe(401);
  });

  it('when the first like is undone and redone, then the milestone 1 is recorded once', async () => {
    const post = await createForumPost(author);
    const url = `/api/forum/posts/${post.id}`;
    await like(other, url);
    await like(other, url);
    await like(other, url);
    const { rows } = await t.database.db.execute(
      sql`SELECT likes_count, likes_milestone FROM engagement_counters WHERE content_type = 'forum_post' AND content_id = ${post.id}`,
    );
    expect(rows).toEqual([{ likes_count: 1, likes_milestone: 1 }]);
  });

  it('when 20 members toggle at once, then the count equals the rows (20)', async () => {
    const post = await createForumPost(author);
    const members = await Promise.all(Array.from({ length: 20 }, () => t.user('student')));
    const results = await Promise.all(members.map((m) => like(m, `/api/forum/posts/${post.id}`)));
    expect(results.every((r) => r.statusCode === 200 && r.json().liked)).toBe(true);
    expect((await getForumPost(author, post.id)).json().likes_count).toBe(20);
    await expectCountMatchesRows('forum_post', post.id, 20);
  });

  it('when one member toggles 20 times at once, then every toggle flips and the count equals the rows (0)', async () => {
    const post = await createForumPost(author);
    const c = await forumComment(author, post.id);
    for (const url of [`/api/forum/posts/${post.id}`, `/api/forum/comments/${c.id}`]) {
      const results = await Promise.all(Array.from({ length: 20 }, () => like(other, url)));
      expect(results.filter((r) => r.json().liked).length).toBe(10);
      await expectCountMatchesRows(url.includes('comments') ? 'forum_comment' : 'forum_post', url.split('/').pop()!, 0);
    }
  });
});

describe('likes: a toggle that keeps meeting simultaneous toggles', () => {
  it('when every attempt finds another toggle of the same member got in between, then 409 after a bounded number of attempts', async () => {
    const post = await createForumPost(author);
    let attempts = 0;
    const pool = { query: async () => (attempts++, { rows: [{ flipped: false, liked: false, likes_count: null }] }) };
    const ctx = { ...t.app.ctx, pool } as unknown as AppContext;
    const actor = { id: other.id, role: 'student' as const, sessionId: randomUUID() };
    await expect(toggleLike(ctx, actor, 'forum_post', post.id)).rejects.toMatchObject({ status: 409 });
    expect(attempts).toBe(50);
  });
});

async function expectCountMatchesRows(type: string, id: string, expected: number) {
  const { rows } = await t.database.db.execute(sql`
    SELECT (SELECT count(*)::int FROM engagement_likes WHERE content_type = ${type} AND content_id = ${id}) AS likes_rows,
           (SELECT coalesce(max(likes_count), 0) FROM engagement_counters WHERE content_type = ${type} AND content_id = ${id}) AS likes_count`);
  expect(rows[0]).toEqual({ likes_rows: expected, likes_count: expected });
}
