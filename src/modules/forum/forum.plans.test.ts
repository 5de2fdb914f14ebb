import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForumPost, createTestApp, like, type TestApp, type TestUser } from '../../../test/helpers.js';
import { countStatements, type SentStatement } from '../../../test/statements.js';

/**
 * What the forum's hot endpoints cost PostgreSQL, independent of the data's size: the lists read
 * their index in order (a page costs the page, not every matching row), and the write paths send a
 * fixed, small number of statements (issue 14's bench: 20,000 posts, 200,000 comments).
 */
let t: TestApp;
let counter: ReturnType<typeof countStatements>;
let author: TestUser;
let reader: TestUser;
let admin: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  counter = countStatements(t.database.pool);
  [author, reader, admin] = await Promise.all((['alumni', 'student', 'admin'] as const).map((r) => t.user(r)));
});
afterAll(() => t?.close());

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodesOf = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];

/**
 * The plan of a statement as the service sent it, with sequential and bitmap scans off: the test
 * tables are tiny, and this asks only whether an index CAN deliver the rows in the list's order.
 */
async function planOf(statement: SentStatement) {
  const client = await t.database.pool.connect();
  try {
    await client.query('SET enable_seqscan = off');
    await client.query('SET enable_bitmapscan = off');
    const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${statement.text}`, statement.values);
    return nodesOf(rows[0]['QUERY PLAN'][0].Plan as PlanNode);
  } finally {
    await client.query('RESET ALL');
    client.release();
  }
}

/** The one statement of `user`'s GET `url` that reads `table`. */
async function listStatement(user: TestUser, url: string, table: string) {
  const { result, sent } = await counter.count(() => user.inject({ method: 'GET', url }));
  expect(result.statusCode, result.body).toBe(200);
  const reads = sent.filter((s) => s.text.includes(`from "${table}"`));
  expect(reads, sent.map((s) => s.text).join('\n---\n')).toHaveLength(1);
  return reads[0]!;
}

const sorts = (nodes: PlanNode[]) => nodes.filter((n) => /Sort/.test(n['Node Type']));
const indexes = (nodes: PlanNode[]) => nodes.map((n) => n['Index Name']).filter(Boolean);

describe('the lists read their index in order (no sort of every matching row)', () => {
  it.each([
    ['a member reads a tag’s second page, then forum_posts_list_idx', () => reader, (tag: string) => `tag=${tag}`, 'forum_posts_list_idx'],
    ['an admin reads a tag’s second page, then forum_posts_list_idx', () => admin, (tag: string) => `tag=${tag}`, 'forum_posts_list_idx'],
    [
      'a member reads an author’s second page, then forum_posts_author_idx',
      () => reader,
      () => `author=${author.id}`,
      'forum_posts_author_idx',
    ],
  ])('when %s is read in order', async (_name, user, filter, index) => {
    const tag = `plan-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 3; i++) await createForumPost(author, { tags: [tag] });
    const first = await user().inject({ method: 'GET', url: `/api/forum/posts?${filter(tag)}&limit=1` });
    expect(first.json().next_cursor).toBeTruthy();
    const statement = await listStatement(
      user(),
      `/api/forum/posts?${filter(tag)}&limit=1&cursor=${first.json().next_cursor}`,
      'forum_posts',
    );
    const plan = await planOf(statement);
    expect(sorts(plan), JSON.stringify(plan)).toEqual([]);
    expect(indexes(plan)).toContain(index);
  });

  it('when a member reads their bookmarks, then engagement_bookmarks_list_idx is read in order', async () => {
    for (let i = 0; i < 2; i++) {
      const post = await createForumPost(author);
      expect((await reader.inject({ method: 'PUT', url: `/api/forum/posts/${post.id}/bookmark` })).statusCode).toBe(200);
    }
    const statement = await listStatement(reader, '/api/forum/bookmarks?limit=1', 'engagement_bookmarks');
    const plan = await planOf(statement);
    expect(sorts(plan), JSON.stringify(plan)).toEqual([]);
    expect(indexes(plan)).toContain('engagement_bookmarks_list_idx');
  });
});

describe('statements per write', () => {
  it('when a member creates a post, then 1 statement writes it and reads it back with its author', async () => {
    const { result, statements } = await counter.count(() =>
      author.inject({ method: 'POST', url: '/api/forum/posts', payload: { title: 'One trip', content: 'x', tags: ['Career'] } }),
    );
    expect(result.statusCode, result.body).toBe(201);
    expect(result.json()).toMatchObject({
      title: 'One trip',
      tags: ['career'],
      author: { id: author.id, name: author.name },
      likes_count: 0,
    });
    expect(statements.length, statements.join('\n---\n')).toBe(1);
  });

  it('when the author has a photo, then the created post carries the same author as reading it back', async () => {
    const withPhoto = await t.user('alumni');
    await t.database.pool.query(`INSERT INTO profiles (user_id, name, photo_key) VALUES ($1, 'Has Photo', 'photos/p.webp')`, [
      withPhoto.id,
    ]);
    const created = await createForumPost(withPhoto);
    const read = await withPhoto.inject({ method: 'GET', url: `/api/forum/posts/${created.id}` });
    const urlOf = (post: { author: { photo_url: string | null } }) => post.author.photo_url?.split('?')[0];
    expect(urlOf(created as never)).toContain('/api/files/photos/p.webp');
    expect(urlOf(created as never)).toBe(urlOf(read.json()));
    const { comments: _c, ...readPost } = read.json();
    expect({ ...created, author: null }).toEqual({ ...readPost, author: null });
  });

  it('when a member likes and unlikes a post (no milestone reached), then each toggle sends 2 statements (the item, the toggle)', async () => {
    const post = await createForumPost(author);
    expect((await like(admin, `/api/forum/posts/${post.id}`)).json()).toEqual({ liked: true, likes_count: 1 });
    for (const liked of [true, false]) {
      const { result, statements } = await counter.count(() => like(reader, `/api/forum/posts/${post.id}`));
      expect(result.json()).toMatchObject({ liked });
      expect(statements.length, statements.join('\n---\n')).toBe(2);
    }
  });
});
