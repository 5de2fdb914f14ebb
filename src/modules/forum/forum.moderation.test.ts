import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createForumPost,
  createTestApp,
  forumComment,
  getForumPost,
  problemOf,
  report,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';
import { forumNotificationRules } from './forum.notifications.js';

let t: TestApp;
let author: TestUser;
let admin: TestUser;
let reporters: TestUser[];
beforeAll(async () => {
  t = await createTestApp();
  [author, admin, ...reporters] = await Promise.all(
    (['alumni', 'admin', 'student', 'student', 'alumni', 'faculty'] as const).map((r) => t.user(r)),
  );
});
afterAll(() => t?.close());

const flagged = async (user: TestUser, qs = '') => user.inject({ method: 'GET', url: `/api/admin/content/flagged${qs}` });
const moderate = (user: TestUser, payload: object) => user.inject({ method: 'POST', url: '/api/admin/content/moderate', payload });
const auditOf = async (id: string) =>
  (
    await t.database.db.execute(
      sql`SELECT action_type, admin_id, target_type, ip FROM audit_log WHERE target_id = ${id} ORDER BY created_at`,
    )
  ).rows;
const listed = async (user: TestUser, tag: string) =>
  (await user.inject({ method: 'GET', url: `/api/forum/posts?tag=${tag}` })).json().results as { id: string; is_hidden: boolean }[];

describe('reports', () => {
  it('when a member reports twice, then 409 already_reported; a bad reason 400; the author 403; no token 401', async () => {
    const post = await createForumPost(author);
    const url = `/api/forum/posts/${post.id}`;
    const res = await report(reporters[0], url);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ content_type: 'forum_post', content_id: post.id, reason: 'spam', status: 'open' });
    expect(problemOf(await report(reporters[0], url, 'harassment')).code).toBe('already_reported');
    expect((await report(reporters[1], url, 'rude')).statusCode).toBe(400);
    expect((await report(author, url)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: `${url}/report`, payload: { reason: 'spam' } })).statusCode).toBe(401);
    expect((await report(reporters[1], `/api/forum/posts/${randomUUID()}`)).statusCode).toBe(404);
  });

  it('when 3 different members report a post at once, then it is hidden: others 404 and out of the list, the author sees it marked', async () => {
    const tag = `hide-${randomUUID().slice(0, 8)}`;
    const post = await createForumPost(author, { tags: [tag] });
    const url = `/api/forum/posts/${post.id}`;
    const results = await Promise.all([
      report(reporters[0], url),
      report(reporters[1], url, 'off_topic'),
      report(reporters[2], url, 'other', 'meh'),
    ]);
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect((await getForumPost(reporters[3], post.id)).statusCode).toBe(404);
    expect(await listed(reporters[3], tag)).toEqual([]);
    expect((await getForumPost(author, post.id)).json()).toMatchObject({ id: post.id, is_hidden: true });
    expect((await listed(author, tag)).map((p) => [p.id, p.is_hidden])).toEqual([[post.id, true]]);
    expect((await getForumPost(admin, post.id)).json().is_hidden).toBe(true);
  });

  it('when 3 members report a comment, then it shows as "[hidden]" only while it has replies, and leaves comments_count', async () => {
    const post = await createForumPost(author);
    const c = await forumComment(author, post.id, 'rude words');
    await forumComment(reporters[3], post.id, 'a reply', c.id);
    for (const r of reporters.slice(0, 3)) expect((await report(r, `/api/forum/comments/${c.id}`, 'harassment')).statusCode).toBe(201);
    const seen = (await getForumPost(reporters[3], post.id)).json();
    expect(seen.comments_count).toBe(1);
    expect(seen.comments.results.map((x: { content: string; is_hidden: boolean }) => [x.content, x.is_hidden])).toEqual([
      ['[hidden]', true],
      ['a reply', false],
    ]);
    expect((await getForumPost(author, post.id)).json().comments.results[0]).toMatchObject({ content: 'rude words', is_hidden: true });
  });
});

describe('moderation', () => {
  it('when a non-admin calls any moderation endpoint, then 403 (401 without a token)', async () => {
    const id = randomUUID();
    expect((await flagged(author)).statusCode).toBe(403);
    expect((await moderate(author, { content_type: 'forum_post', content_id: id, action: 'approve' })).statusCode).toBe(403);
    expect((await author.inject({ method: 'DELETE', url: `/api/admin/content/forum_post/${id}` })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/content/flagged' })).statusCode).toBe(401);
  });

  it('when items are reported, then the queue groups them per item with count, reasons and preview, oldest first', async () => {
    const first = await createForumPost(author, { title: 'First <b>bold</b>', content: '<img src=x onerror=alert(1)> hello' });
    const second = await createForumPost(author);
    const c = await forumComment(author, second.id, 'a comment');
    await report(reporters[0], `/api/forum/posts/${first.id}`, 'spam');
    await report(reporters[1], `/api/forum/posts/${first.id}`, 'harassment', 'nasty');
    await report(reporters[0], `/api/forum/comments/${c.id}`, 'off_topic');
    const all: { content_type: string; content_id: string; report_count: number; reasons: string[]; preview: Record<string, unknown> }[] =
      [];
    let cursor: string | null = null;
    do {
      const res = await flagged(admin, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      all.push(...res.json().results);
      cursor = res.json().next_cursor;
    } while (cursor);
    const mine = all.filter((f) => [first.id, c.id].includes(f.content_id));
    expect(mine.map((f) => [f.content_type, f.content_id, f.report_count, f.reasons])).toEqual([
      ['forum_post', first.id, 2, ['harassment', 'spam']],
      ['forum_comment', c.id, 1, ['off_topic']],
    ]);
    expect(mine[0].preview).toMatchObject({
      title: 'First bold',
      excerpt: 'hello',
      author_id: author.id,
      link: `/forum/posts/${first.id}`,
      is_hidden: false,
    });
    expect(all.findIndex((f) => f.content_id === first.id)).toBeLessThan(all.findIndex((f) => f.content_id === c.id));
    const onlyComments = (await flagged(admin, '?content_type=forum_comment')).json().results;
    expect(onlyComments.every((f: { content_type: string }) => f.content_type === 'forum_comment')).toBe(true);
    expect((await flagged(admin, '?content_type=nope')).statusCode).toBe(400);
    expect((await flagged(admin, '?cursor=forged')).statusCode).toBe(400);
  });

  it('when an admin approves a hidden post, then its reports are dismissed, it shows again, it leaves the queue; audited', async () => {
    const post = await createForumPost(author);
    for (const r of reporters.slice(0, 3)) await report(r, `/api/forum/posts/${post.id}`);
    expect((await getForumPost(reporters[3], post.id)).statusCode).toBe(404);
    const res = await moderate(admin, { content_type: 'forum_post', content_id: post.id, action: 'approve' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      content_type: 'forum_post',
      content_id: post.id,
      action: 'approve',
      is_hidden: false,
      reports_resolved: 3,
    });
    expect((await getForumPost(reporters[3], post.id)).json().is_hidden).toBe(false);
    const queue = (await flagged(admin, '?limit=100')).json().results;
    expect(queue.some((f: { content_id: string }) => f.content_id === post.id)).toBe(false);
    expect(await auditOf(post.id)).toEqual([
      { action_type: 'content.approve', admin_id: admin.id, target_type: 'forum_post', ip: '127.0.0.1' },
    ]);
    // Reports start again from zero: one new report does not hide it.
    await report(reporters[3], `/api/forum/posts/${post.id}`);
    expect((await getForumPost(reporters[0], post.id)).statusCode).toBe(200);
  });

  it('when an admin rejects, then the item is hidden and the author is told why; a reason is required; audited', async () => {
    const post = await createForumPost(author);
    await report(reporters[0], `/api/forum/posts/${post.id}`);
    const missing = await moderate(admin, { content_type: 'forum_post', content_id: post.id, action: 'reject' });
    expect(problemOf(missing).errors?.[0].field).toBe('reason');
    const res = await moderate(admin, { content_type: 'forum_post', content_id: post.id, action: 'reject', reason: 'Spam links' });
    expect(res.json()).toMatchObject({ is_hidden: true, reports_resolved: 1 });
    expect((await getForumPost(reporters[1], post.id)).statusCode).toBe(404);
    expect((await getForumPost(author, post.id)).json().is_hidden).toBe(true);
    expect((await auditOf(post.id)).map((a) => a.action_type)).toEqual(['content.reject']);
  });

  it('when the type or item is unknown, then 400 / 404', async () => {
    expect(problemOf(await moderate(admin, { content_type: 'nope', content_id: randomUUID(), action: 'approve' })).errors?.[0].field).toBe(
      'content_type',
    );
    expect((await moderate(admin, { content_type: 'forum_post', content_id: randomUUID(), action: 'approve' })).statusCode).toBe(404);
    expect((await moderate(admin, { content_type: 'forum_post', content_id: randomUUID(), action: 'ban' })).statusCode).toBe(400);
    expect((await admin.inject({ method: 'DELETE', url: `/api/admin/content/nope/${randomUUID()}` })).statusCode).toBe(404);
    expect((await admin.inject({ method: 'DELETE', url: `/api/admin/content/forum_post/${randomUUID()}` })).statusCode).toBe(404);
  });

  it('when an admin deletes a post or a comment, then it is gone, its reports closed, audited', async () => {
    const post = await createForumPost(author);
    const c = await forumComment(author, post.id);
    await report(reporters[0], `/api/forum/comments/${c.id}`);
    expect((await admin.inject({ method: 'DELETE', url: `/api/admin/content/forum_comment/${c.id}` })).statusCode).toBe(204);
    expect((await getForumPost(reporters[0], post.id)).json()).toMatchObject({ comments_count: 0, comments: { results: [] } });
    expect((await admin.inject({ method: 'DELETE', url: `/api/admin/content/forum_post/${post.id}` })).statusCode).toBe(204);
    expect((await getForumPost(author, post.id)).statusCode).toBe(404);
    expect((await auditOf(c.id)).map((a) => a.action_type)).toEqual(['content.delete']);
    expect((await auditOf(post.id)).map((a) => a.action_type)).toEqual(['content.delete']);
    const open = await t.database.db.execute(
      sql`SELECT count(*)::int AS n FROM engagement_reports WHERE content_id = ${c.id} AND status = 'open'`,
    );
    expect(open.rows[0].n).toBe(0);
  });
});

describe('forumNotificationRules', () => {
  const rule = (type: string) => forumNotificationRules.find((r) => r.type === type)!;

  it('when a reply is made, then the post author and the parent comment author are told, never the replier', async () => {
    const post = await createForumPost(author, { title: 'Hello <script>alert(1)</script>world' });
    const parent = await forumComment(reporters[0], post.id, 'parent');
    const reply = await forumComment(reporters[1], post.id, '**reply** <img src=x onerror=alert(1)>', parent.id);
    const event = {
      contentType: 'forum_post',
      contentId: post.id,
      commentType: 'forum_comment',
      commentId: reply.id,
      authorId: reporters[1].id,
      itemAuthorId: author.id,
      parentCommentId: parent.id,
      parentAuthorId: reporters[0].id,
    };
    expect(rule('forum.post_replied').recipients(event)).toEqual([author.id]);
    expect(rule('forum.comment_replied').recipients(event)).toEqual([reporters[0].id]);
    expect(rule('forum.comment_replied').recipients({ ...event, authorId: reporters[0].id })).toEqual([]);
    expect(rule('forum.post_replied').recipients({ ...event, contentType: 'feed_post' })).toEqual([]);
    const content = await rule('forum.comment_replied').render(t.database.db, event, reporters[0].id);
    expect(content.title).toBe('New reply to your comment on “Hello world”');
    expect(content.message).not.toMatch(/<|onerror/);
    expect(content.link).toBe(`/forum/posts/${post.id}#comment-${reply.id}`);
  });

  it('when a like milestone or a moderation outcome happens, then the author is told', async () => {
    const post = await createForumPost(author, { title: 'Milestones' });
    const milestone = { contentType: 'forum_post', contentId: post.id, itemAuthorId: author.id, likerId: reporters[0].id, milestone: 10 };
    expect(rule('forum.like_milestone').recipients(milestone)).toEqual([author.id]);
    expect((await rule('forum.like_milestone').render(t.database.db, milestone, author.id)).title).toBe(
      'Your post “Milestones” reached 10 likes',
    );
    const moderated = {
      contentType: 'forum_post',
      contentId: post.id,
      authorId: author.id,
      action: 'rejected',
      reason: 'Spam',
      byUserId: admin.id,
    };
    expect(rule('forum.content_moderated').recipients(moderated)).toEqual([author.id]);
    expect(rule('forum.content_moderated').recipients({ ...moderated, action: 'approved' })).toEqual([]);
    const text = await rule('forum.content_moderated').render(t.database.db, moderated, author.id);
    expect(text).toMatchObject({ title: 'Your post “Milestones” was hidden by a moderator', link: `/forum/posts/${post.id}` });
    expect(text.message).toContain('Reason: Spam');
  });
});

describe('domain events', () => {
  it('when members reply, like and get moderated, then the events carry who to notify', async () => {
    const events: { type: string; payload: Record<string, unknown> }[] = [];
    const bus = t.app.ctx.events;
    const original = bus.publish.bind(bus);
    bus.publish = async (tx, type, payload) => {
      events.push({ type, payload: payload as Record<string, unknown> });
      return original(tx, type, payload);
    };
    try {
      const post = await createForumPost(author);
      const parent = await forumComment(reporters[0], post.id);
      const reply = await forumComment(reporters[1], post.id, 'reply', parent.id);
      await reporters[2].inject({ method: 'POST', url: `/api/forum/posts/${post.id}/like` });
      for (const r of reporters.slice(0, 3)) await report(r, `/api/forum/posts/${post.id}`);
      await moderate(admin, { content_type: 'forum_post', content_id: post.id, action: 'reject', reason: 'Off topic' });
      await admin.inject({ method: 'DELETE', url: `/api/admin/content/forum_post/${post.id}` });
      expect(events.map((e) => [e.type, e.payload.action ?? e.payload.milestone ?? e.payload.parentAuthorId ?? null])).toEqual([
        ['engagement.comment_added', null],
        ['engagement.comment_added', reporters[0].id],
        ['engagement.like_milestone', 1],
        ['engagement.content_moderated', 'hidden'],
        ['engagement.content_moderated', 'rejected'],
        ['engagement.content_moderated', 'removed'],
      ]);
      expect(events[1].payload).toMatchObject({ commentId: reply.id, itemAuthorId: author.id, authorId: reporters[1].id });
      expect(events[2].payload).toMatchObject({ itemAuthorId: author.id, likerId: reporters[2].id });
      expect(events.slice(3).every((e) => e.payload.authorId === author.id)).toBe(true);
    } finally {
      bus.publish = original;
    }
  });
});
