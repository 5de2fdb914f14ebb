import { Faker, en } from '@faker-js/faker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers.js';
import { seedForum } from './forum.seed.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe('seedForum', () => {
  it('when demo posts are seeded, then counters equal the rows and threads read in order', async () => {
    const people = await Promise.all((['alumni', 'student', 'alumni', 'faculty', 'student', 'alumni'] as const).map((r) => t.user(r)));
    const faker = new Faker({ locale: [en] });
    faker.seed(11);
    const summary = await seedForum(
      t.app.ctx,
      faker,
      people.map((p) => ({ id: p.id, email: p.email, name: p.name, role: p.role })),
    );
    expect(summary.posts).toBe(3);
    const { rows } = await t.database.pool.query(`
      SELECT count(*) FILTER (WHERE coalesce(c.likes_count, 0) <> (SELECT count(*) FROM engagement_likes l WHERE l.content_type = 'forum_post' AND l.content_id = p.id))::int AS bad_likes,
        count(*) FILTER (WHERE coalesce(c.comments_count, 0) <> (SELECT count(*) FROM engagement_comments x WHERE x.content_id = p.id))::int AS bad_comments
      FROM forum_posts p LEFT JOIN engagement_counters c ON c.content_type = 'forum_post' AND c.content_id = p.id`);
    expect(rows[0]).toEqual({ bad_likes: 0, bad_comments: 0 });
    const list = (await people[1].inject({ method: 'GET', url: '/api/forum/posts' })).json();
    expect(list.results).toHaveLength(3);
    expect(list.results[0].is_pinned).toBe(true);
    for (const post of list.results) {
      const detail = (await people[1].inject({ method: 'GET', url: `/api/forum/posts/${post.id}` })).json();
      expect(detail.comments.results).toHaveLength(post.comments_count);
      const ids = detail.comments.results.map((c: { id: string }) => c.id);
      for (const [i, c] of detail.comments.results.entries())
        if (c.parent_comment_id) expect(ids.indexOf(c.parent_comment_id)).toBeLessThan(i);
    }
  });
});
