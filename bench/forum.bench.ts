/**
 * Issue 14 (forum): BENCH_FORUM_POSTS posts (20,000) with 10 comments each (2 of every 10 are
 * replies) and some likes, written by SQL; then three endpoints loaded on Cohort and on a floor
 * running the SQL of src/modules/forum/forum.service.ts and engagement.service.ts as of this writing
 * (when those change, change the floor here), Cohort, floor, floor, Cohort (ABBA), after a warm-up
 * of each side (WARMUP_SECONDS):
 *
 *   POST /api/forum/posts                       SEARCH.md's body
 *   GET  /api/forum/posts?tag=…&cursor=…         tag filter, second page
 *   POST /api/forum/posts/{id}/like              40 members toggling 200 posts
 *
 * After the load, every like counter must equal its rows.
 */
import { FORUM_SEED_TAGS } from '../src/modules/forum/forum.seed.js';
import {
  api,
  compare,
  FloorError,
  insertMembers,
  log,
  loginMembers,
  memberEmailLike,
  settings,
  type FloorContext,
  type FloorRequest,
  type FloorRoute,
  type Scenario,
  type Target,
} from './lib.js';

const MEMBERS = 40;
/**
 * Seconds of warm-up load per endpoint and side (at least BENCH_WARMUP): each endpoint's code runs
 * here for the first time, and Cohort's create needed ~9 s of load (thousands of requests) before V8
 * had optimized it: 2,000 µs of CPU a request in its first 3 s, ~700 once warm (docs/forum.md "Bench").
 */
const WARMUP_SECONDS = Math.max(settings.warmup, 5);

// ---------------------------------------------------------------------------------------------
// Floor: the service's SQL, nothing else

const POST_COLUMNS = `p.id, p.title, p.content, p.tags, p.author_id, u.name AS author_name, pr.photo_key,
  coalesce(c.likes_count, 0) AS likes_count, coalesce(c.comments_count, 0) AS comments_count, p.is_pinned, p.hidden_at,
  EXISTS (SELECT 1 FROM engagement_likes WHERE content_type = 'forum_post' AND content_id = p.id AND user_id = $1) AS liked_by_me,
  EXISTS (SELECT 1 FROM engagement_bookmarks WHERE user_id = $1 AND content_type = 'forum_post' AND content_id = p.id) AS bookmarked_by_me,
  p.created_at, p.updated_at, to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts
  FROM forum_posts p JOIN users u ON u.id = p.author_id LEFT JOIN profiles pr ON pr.user_id = p.author_id
  LEFT JOIN engagement_counters c ON c.content_type = 'forum_post' AND c.content_id = p.id`;
const VISIBLE = `p.deleted_at IS NULL AND (p.hidden_at IS NULL OR p.author_id = $1)`;
const TOGGLE_SQL = `WITH removed AS (
    DELETE FROM engagement_likes WHERE content_type = $1::text AND content_id = $2::uuid AND user_id = $3::uuid RETURNING 1
  ), added AS (
    INSERT INTO engagement_likes (content_type, content_id, user_id) SELECT $1::text, $2::uuid, $3::uuid WHERE NOT EXISTS (SELECT 1 FROM removed)
    ON CONFLICT DO NOTHING RETURNING 1
  ), delta AS (SELECT (SELECT count(*) FROM added) - (SELECT count(*) FROM removed) AS n
  ), counted AS (
    INSERT INTO engagement_counters AS c (content_type, content_id, likes_count) SELECT $1::text, $2::uuid, greatest(n, 0) FROM delta WHERE n <> 0
    ON CONFLICT (content_type, content_id) DO UPDATE SET likes_count = c.likes_count + (SELECT n FROM delta) RETURNING likes_count
  ) SELECT (SELECT n FROM delta) <> 0 AS flipped, EXISTS (SELECT 1 FROM added) AS liked, (SELECT likes_count FROM counted) AS likes_count`;

const view = ({ author_name, photo_key, hidden_at, cursor_ts: _c, ...post }: Record<string, any>) => ({
  ...post,
  author: { id: post.author_id, name: author_name, photo_url: photo_key ? `signed:${photo_key}` : null },
  is_hidden: hidden_at !== null,
});

async function createPost(request: FloorRequest, ctx: FloorContext) {
  const actor = await ctx.authenticate(request);
  const body = request.body;
  const tags = [...new Set((body.tags ?? []).map((t: string) => t.trim().toLowerCase()).filter(Boolean))];
  // One statement: a new post has no likes, comments or bookmarks yet, and its author is the caller.
  const { rows } = await ctx.pool.query(
    `WITH created AS (
       INSERT INTO forum_posts (author_id, title, content, tags) VALUES ($1, $2, $3, $4)
       RETURNING id, title, content, tags, author_id, is_pinned, hidden_at, created_at, updated_at)
     SELECT p.id, p.title, p.content, p.tags, p.author_id, u.name AS author_name, pr.photo_key, 0 AS likes_count, 0 AS comments_count,
       p.is_pinned, p.hidden_at, false AS liked_by_me, false AS bookmarked_by_me, p.created_at, p.updated_at
     FROM created p JOIN users u ON u.id = p.author_id LEFT JOIN profiles pr ON pr.user_id = p.author_id`,
    [actor.id, body.title.trim(), body.content, tags],
  );
  return { status: 201, body: view(rows[0]) };
}

async function listPosts(request: FloorRequest, ctx: FloorContext) {
  const actor = await ctx.authenticate(request);
  const limit = Number(request.query.get('limit') ?? 20);
  const values: unknown[] = [actor.id];
  const where = [VISIBLE];
  const tag = request.query.get('tag')?.trim().toLowerCase();
  if (tag) where.push(`p.tags @> ARRAY[$${values.push(tag)}]::text[]`);
  const cursor = ctx.decodeCursor(request.query.get('cursor'));
  if (cursor)
    where.push(
      `(p.is_pinned, p.created_at, p.id) < ($${values.push(cursor[1])}::boolean, $${values.push(cursor[2])}::timestamptz, $${values.push(cursor[3])}::uuid)`,
    );
  const { rows } = await ctx.pool.query(
    `SELECT ${POST_COLUMNS} WHERE ${where.join(' AND ')} ORDER BY p.is_pinned DESC, p.created_at DESC, p.id DESC LIMIT ${limit + 1}`,
    values,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    body: {
      results: page.map(view),
      next_cursor: rows.length > limit && last ? ctx.encodeCursor(['forum.posts', last.is_pinned, last.cursor_ts, last.id]) : null,
    },
  };
}

async function toggleLike(request: FloorRequest, ctx: FloorContext) {
  const actor = await ctx.authenticate(request);
  const postId = request.params.post_id;
  const found = await ctx.pool.query(
    'SELECT id, author_id, hidden_at IS NOT NULL AS hidden FROM forum_posts WHERE id = $1 AND deleted_at IS NULL',
    [postId],
  );
  const post = found.rows[0];
  if (!post || (post.hidden && actor.role !== 'admin' && post.author_id !== actor.id)) throw new FloorError(404, 'not_found');
  // Not flipped: a simultaneous toggle of this member committed a row this snapshot missed; again.
  for (;;) {
    const { rows } = await ctx.pool.query(TOGGLE_SQL, ['forum_post', postId, actor.id]);
    const { flipped, liked, likes_count } = rows[0];
    if (!flipped) continue;
    if (liked && [1, 10, 100].includes(likes_count)) {
      // The milestone is recorded (Cohort also publishes its event here; the floor notifies nobody).
      await ctx.pool.query(
        `UPDATE engagement_counters SET likes_milestone = $3 WHERE content_type = $1 AND content_id = $2 AND likes_milestone < $3 RETURNING likes_milestone`,
        ['forum_post', postId, likes_count],
      );
    }
    return { body: { liked, likes_count } };
  }
}

const floorRoutes: FloorRoute[] = [
  { method: 'POST', path: '/api/forum/posts', handler: createPost },
  { method: 'GET', path: '/api/forum/posts', handler: listPosts },
  { method: 'POST', path: '/api/forum/posts/:post_id/like', handler: toggleLike },
];

// ---------------------------------------------------------------------------------------------
// The data set

async function seed(target: Target) {
  const started = performance.now();
  await insertMembers(target, 'forum', 200, ['alumni', 'student', 'faculty']);
  const authors = `SELECT array_agg(id ORDER BY email) ids FROM users WHERE email LIKE '${memberEmailLike('forum')}'`;
  await target.query(
    `INSERT INTO forum_posts (author_id, title, content, tags, is_pinned, created_at, updated_at)
     SELECT u.ids[1 + i % cardinality(u.ids)], 'Post ' || i || ': advice on ' || ($2::text[])[1 + i % 14],
       repeat('Some **markdown** about careers, interviews and campus life. ', 8),
       ARRAY[($2::text[])[1 + i % 14], ($2::text[])[1 + (i % 14 + 1 + i % 5) % 14]], i <= 3,
       now() - i * interval '1 minute', now() - i * interval '1 minute'
     FROM generate_series(1, $1::int) i, (${authors}) u`,
    [settings.forumPosts, FORUM_SEED_TAGS],
  );
  await target.query(`
    INSERT INTO engagement_comments (id, content_type, content_id, author_id, content, depth, sort_key, created_at, updated_at)
    SELECT id, 'forum_post', post_id, author, 'Comment ' || k || ' on this post', 0,
      to_char(at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') || replace(id::text, '-', ''), at, at
    FROM (SELECT gen_random_uuid() AS id, p.id AS post_id, u.ids[1 + (k + p.n) % cardinality(u.ids)] AS author, k,
            p.created_at + k * interval '1 second' AS at
          FROM (SELECT id, created_at, row_number() OVER () AS n FROM forum_posts) p, generate_series(1, 8) k, (${authors}) u) s`);
  await target.query(`
    INSERT INTO engagement_comments (id, content_type, content_id, parent_id, author_id, content, depth, sort_key, created_at, updated_at)
    SELECT id, 'forum_post', content_id, parent_id, author_id, 'A reply', 1,
      parent_key || '/' || to_char(at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') || replace(id::text, '-', ''), at, at
    FROM (SELECT gen_random_uuid() AS id, c.content_id, c.id AS parent_id, c.author_id, c.sort_key AS parent_key, c.created_at + interval '1 hour' AS at
          FROM engagement_comments c WHERE c.content ~ '^Comment [12] ') s`);
  await target.query(`
    INSERT INTO engagement_likes (content_type, content_id, user_id)
    SELECT 'forum_post', p.id, u.id FROM (SELECT id FROM forum_posts ORDER BY created_at DESC LIMIT 2000) p
    CROSS JOIN LATERAL (SELECT id FROM users WHERE email LIKE '${memberEmailLike('forum')}' ORDER BY md5(id::text || p.id::text) LIMIT 5) u`);
  await target.query(`
    INSERT INTO engagement_counters (content_type, content_id, likes_count, comments_count)
    SELECT 'forum_post', p.id,
      (SELECT count(*) FROM engagement_likes l WHERE l.content_type = 'forum_post' AND l.content_id = p.id),
      (SELECT count(*) FROM engagement_comments c WHERE c.content_type = 'forum_post' AND c.content_id = p.id)
    FROM forum_posts p`);
  await target.query('ANALYZE forum_posts, engagement_comments, engagement_likes, engagement_counters');
  // Flush the seed's writes now, not during the first measurement (needs a superuser; skipped otherwise).
  await target.query('CHECKPOINT').catch(() => {});
  const { rows } = await target.query(
    `SELECT (SELECT count(*) FROM forum_posts)::int AS posts, (SELECT count(*) FROM engagement_comments)::int AS comments`,
  );
  log(`  seeded ${rows[0].posts} posts, ${rows[0].comments} comments in ${Math.round(performance.now() - started)} ms`);
}

// ---------------------------------------------------------------------------------------------

const scenario: Scenario = {
  name: 'forum',
  title: 'Forum (issue 14)',
  floorRoutes,

  async run(target, run) {
    await seed(target);
    const tokens = await loginMembers(target, 'forum', MEMBERS);
    // content-type only with a body: Fastify (rightly) refuses an empty application/json body.
    const auth = (i: number, json = false) => ({
      authorization: `Bearer ${tokens[i % tokens.length]}`,
      ...(json ? { 'content-type': 'application/json' } : {}),
    });
    const first = await api(target.cohort.url, 'GET', '/api/forum/posts?tag=career', { token: tokens[0] });
    if (first.status !== 200 || !first.body.next_cursor)
      throw new Error(`GET /api/forum/posts?tag=career: ${first.status} ${first.text.slice(0, 200)} (no second page)`);
    const { rows: likeTargets } = await target.query<{ id: string }>('SELECT id FROM forum_posts ORDER BY created_at DESC LIMIT 200');

    await compare(run, target, {
      scenario: 'forum',
      endpoint: 'POST /api/forum/posts',
      load: {
        requests: Array.from({ length: MEMBERS }, (_, i) => ({
          method: 'POST' as const,
          path: '/api/forum/posts',
          headers: auth(i, true),
          body: JSON.stringify({ title: `Bench post ${i}`, content: 'markdown **content** for the bench', tags: ['career', 'interview'] }),
        })),
      },
      goal: { minRatio: 0.9 },
      probe: 2,
      abba: true,
      warmup: WARMUP_SECONDS,
    });
    await compare(run, target, {
      scenario: 'forum',
      endpoint: 'GET /api/forum/posts?tag=career (page 2)',
      load: {
        requests: Array.from({ length: MEMBERS }, (_, i) => ({
          method: 'GET' as const,
          path: `/api/forum/posts?tag=career&cursor=${first.body.next_cursor}`,
          headers: auth(i),
        })),
      },
      goal: { minRatio: 0.9 },
      same: (c, f) => (c?.results?.[0]?.id === f?.results?.[0]?.id ? null : 'a different first post'),
      abba: true,
      warmup: WARMUP_SECONDS,
    });
    await compare(run, target, {
      scenario: 'forum',
      endpoint: `POST /api/forum/posts/{id}/like (${MEMBERS} members, ${likeTargets.length} posts)`,
      load: {
        requests: Array.from({ length: 400 }, (_, i) => ({
          method: 'POST' as const,
          path: `/api/forum/posts/${likeTargets[(i * 7) % likeTargets.length].id}/like`,
          headers: auth(i),
        })),
      },
      goal: { minRatio: 0.9 },
      abba: true,
      warmup: WARMUP_SECONDS,
    });

    const { rows: check } = await target.query(`SELECT count(*)::int AS bad FROM engagement_counters c
      WHERE c.content_type = 'forum_post' AND c.likes_count <> (SELECT count(*) FROM engagement_likes l WHERE l.content_type = 'forum_post' AND l.content_id = c.content_id)`);
    run.measure({
      scenario: 'forum',
      what: 'like counters that differ from their like rows after the load',
      target: target.name,
      value: check[0].bad,
      unit: 'counters',
      goal: '0',
      verdict: check[0].bad === 0 ? 'ok' : 'miss',
    });
  },
};

export default scenario;
