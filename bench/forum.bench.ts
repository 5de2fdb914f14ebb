/**
 * Issue 14 (forum) bench, standalone: `node --import tsx bench/forum.bench.ts`.
 *
 * On the machine's PostgreSQL (FORUM_BENCH_PG_URL), a fresh database gets FORUM_BENCH_POSTS posts
 * (default 20,000) with 10 comments each (200,000; 2 of every 10 are replies) and some likes, then
 * three endpoints are loaded with autocannon against Cohort and against a floor: plain node:http +
 * pg running the same SQL as src/modules/forum/forum.service.ts and engagement.service.ts (as of
 * this writing: when those change, change the floor here), with the same token check.
 *
 *   POST /api/forum/posts                       SEARCH.md's body
 *   GET  /api/forum/posts?tag=…&cursor=…         tag filter, second page
 *   POST /api/forum/posts/{id}/like              40 members toggling 200 posts
 *
 * Imports nothing from bench/lib.ts (being split elsewhere). Knobs: FORUM_BENCH_POSTS,
 * FORUM_BENCH_DURATION (s, default 10), FORUM_BENCH_CONNECTIONS (default 16),
 * FORUM_BENCH_POOL_SIZE (default 10), FORUM_BENCH_DATABASE (default cohort_forum_bench).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Request as LoadRequest } from 'autocannon';
import { jwtVerify } from 'jose';
import pg from 'pg';
import { FORUM_SEED_TAGS } from '../src/modules/forum/forum.seed.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const settings = {
  pgUrl: process.env.FORUM_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  database: process.env.FORUM_BENCH_DATABASE ?? 'cohort_forum_bench',
  posts: num('FORUM_BENCH_POSTS', 20_000),
  duration: num('FORUM_BENCH_DURATION', 10),
  connections: num('FORUM_BENCH_CONNECTIONS', 16),
  poolSize: num('FORUM_BENCH_POOL_SIZE', 10),
};
const JWT_SECRET = 'forum-bench-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const PASSWORD = 'Forum-bench-password-42';
const MEMBERS = 40;
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const withDatabase = (url: string, name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();

// ---------------------------------------------------------------------------------------------
// The floor: the service's SQL, nothing else

const POST_COLUMNS = `p.id, p.title, p.content, p.tags, p.author_id, u.name AS author_name, pr.photo_key,
  coalesce(c.likes_count, 0) AS likes_count, coalesce(c.comments_count, 0) AS comments_count, p.is_pinned, p.hidden_at,
  EXISTS (SELECT 1 FROM engagement_likes WHERE content_type = 'forum_post' AND content_id = p.id AND user_id = $1) AS liked_by_me,
  EXISTS (SELECT 1 FROM engagement_bookmarks WHERE user_id = $1 AND content_type = 'forum_post' AND content_id = p.id) AS bookmarked_by_me,
  p.created_at, p.updated_at, to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts
  FROM forum_posts p JOIN users u ON u.id = p.author_id LEFT JOIN profiles pr ON pr.user_id = p.author_id
  LEFT JOIN engagement_counters c ON c.content_type = 'forum_post' AND c.content_id = p.id`;
const VISIBLE = `p.deleted_at IS NULL AND (p.hidden_at IS NULL OR p.author_id = $1)`;
const SESSION_SQL = `SELECT u.id, u.email, u.name, u.role, u.is_verified, u.status, u.last_login_at, u.created_at, u.updated_at
  FROM sessions s JOIN users u ON u.id = s.user_id
  WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active'`;
const TOGGLE_SQL = `WITH removed AS (
    DELETE FROM engagement_likes WHERE content_type = $1 AND content_id = $2 AND user_id = $3 RETURNING 1
  ), added AS (
    INSERT INTO engagement_likes (content_type, content_id, user_id) SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM removed)
    ON CONFLICT DO NOTHING RETURNING 1
  ), delta AS (SELECT (SELECT count(*) FROM added) - (SELECT count(*) FROM removed) AS n
  ), counted AS (
    INSERT INTO engagement_counters AS c (content_type, content_id, likes_count) VALUES ($1, $2, greatest((SELECT n FROM delta), 0))
    ON CONFLICT (content_type, content_id) DO UPDATE SET likes_count = c.likes_count + (SELECT n FROM delta) RETURNING likes_count
  ) SELECT EXISTS (SELECT 1 FROM added) AS liked, (SELECT likes_count FROM counted) AS likes_count`;

class HttpError extends Error {
  constructor(readonly status: number) {
    super(String(status));
  }
}

async function serveFloor(port: number, databaseUrl: string) {
  pg.types.setTypeParser(20, (v) => Number(v));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: settings.poolSize });
  pool.on('error', () => {});
  const key = new TextEncoder().encode(JWT_SECRET);
  const verifyKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const cursorSecret = Buffer.from(key).toString('hex');
  const sign = (payload: string) => createHmac('sha256', cursorSecret).update(payload).digest('base64url').slice(0, 22);
  const encode = (k: unknown[]) => {
    const payload = Buffer.from(JSON.stringify(k)).toString('base64url');
    return `${payload}.${sign(payload)}`;
  };
  const decode = (cursor: string | null) => {
    if (!cursor) return undefined;
    const [payload, mac] = cursor.split('.');
    if (!payload || mac !== sign(payload)) throw new HttpError(400);
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
  };
  const authenticate = async (req: IncomingMessage) => {
    const token = req.headers.authorization?.slice(7);
    if (!token) throw new HttpError(401);
    const { payload } = await jwtVerify(token, verifyKey, { algorithms: ['HS256'], issuer: 'cohort', audience: 'cohort-api' }).catch(() => {
      throw new HttpError(401);
    });
    const { rows } = await pool.query({ name: 'auth-session', text: SESSION_SQL, values: [payload.sid, payload.sub] });
    if (!rows[0]) throw new HttpError(401);
    return rows[0] as { id: string };
  };
  const view = ({ author_name, photo_key, hidden_at, cursor_ts: _c, ...post }: Record<string, any>) => ({
    ...post,
    author: { id: post.author_id, name: author_name, photo_url: photo_key ? `signed:${photo_key}` : null },
    is_hidden: hidden_at !== null,
  });
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  };

  const routes: [string, RegExp, (req: IncomingMessage, url: URL, m: RegExpMatchArray) => Promise<[number, unknown]>][] = [
    ['GET', /^\/api\/health$/, async () => [200, { status: 'ok' }]],
    [
      'POST',
      /^\/api\/forum\/posts$/,
      async (req) => {
        const actor = await authenticate(req);
        const body = await readBody(req);
        const tags = [...new Set((body.tags ?? []).map((t: string) => t.trim().toLowerCase()).filter(Boolean))];
        const { rows } = await pool.query(
          'INSERT INTO forum_posts (author_id, title, content, tags) VALUES ($1, $2, $3, $4) RETURNING id',
          [actor.id, body.title.trim(), body.content, tags],
        );
        const read = await pool.query(`SELECT ${POST_COLUMNS} WHERE p.id = $2 AND ${VISIBLE}`, [actor.id, rows[0].id]);
        return [201, view(read.rows[0])];
      },
    ],
    [
      'GET',
      /^\/api\/forum\/posts$/,
      async (req, url) => {
        const actor = await authenticate(req);
        const limit = Number(url.searchParams.get('limit') ?? 20);
        const values: unknown[] = [actor.id];
        const where = [VISIBLE];
        const tag = url.searchParams.get('tag')?.trim().toLowerCase();
        if (tag) where.push(`p.tags @> ARRAY[$${values.push(tag)}]::text[]`);
        const cursor = decode(url.searchParams.get('cursor'));
        if (cursor)
          where.push(
            `(p.is_pinned, p.created_at, p.id) < ($${values.push(cursor[1])}::boolean, $${values.push(cursor[2])}::timestamptz, $${values.push(cursor[3])}::uuid)`,
          );
        const { rows } = await pool.query(
          `SELECT ${POST_COLUMNS} WHERE ${where.join(' AND ')} ORDER BY p.is_pinned DESC, p.created_at DESC, p.id DESC LIMIT ${limit + 1}`,
          values,
        );
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return [
          200,
          {
            results: page.map(view),
            next_cursor: rows.length > limit && last ? encode(['forum.posts', last.is_pinned, last.cursor_ts, last.id]) : null,
          },
        ];
      },
    ],
    [
      'POST',
      /^\/api\/forum\/posts\/([0-9a-f-]{36})\/like$/,
      async (req, _url, m) => {
        const actor = await authenticate(req);
        const found = await pool.query(
          'SELECT id, author_id, hidden_at IS NOT NULL AS hidden FROM forum_posts WHERE id = $1 AND deleted_at IS NULL',
          [m[1]],
        );
        if (!found.rows[0]) throw new HttpError(404);
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`like:forum_post:${m[1]}:${actor.id}`]);
          const { rows } = await client.query(TOGGLE_SQL, ['forum_post', m[1], actor.id]);
          const { liked, likes_count } = rows[0];
          if (liked && [1, 10, 100].includes(likes_count)) {
            await client.query(
              `UPDATE engagement_counters SET likes_milestone = $3 WHERE content_type = $1 AND content_id = $2 AND likes_milestone < $3 RETURNING likes_milestone`,
              ['forum_post', m[1], likes_count],
            );
          }
          await client.query('COMMIT');
          return [200, { liked, likes_count }];
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        } finally {
          client.release();
        }
      },
    ],
  ];

  const server = createHttpServer(async (req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, body: unknown) => {
      const json = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    };
    try {
      const url = new URL(req.url ?? '/', 'http://floor');
      for (const [method, pattern, handle] of routes) {
        const m = req.method === method ? url.pathname.match(pattern) : null;
        if (m) return reply(...(await handle(req, url, m)));
      }
      reply(404, { code: 'not_found' });
    } catch (err) {
      reply(err instanceof HttpError ? err.status : 500, { code: 'error', detail: (err as Error).message });
    }
  });
  server.keepAliveTimeout = 72_000;
  server.listen(port, '127.0.0.1');
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void pool.end().finally(() => process.exit(0));
  });
}

// ---------------------------------------------------------------------------------------------
// The driver

const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((c) => c.kill('SIGTERM')));

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function startChild(name: string, args: string[], env: Record<string, string>, port: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output = (output + c).slice(-4000)));
  child.stderr?.on('data', (c: Buffer) => (output = (output + c).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 1500; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited:\n${output}`);
    if (
      await fetch(`${url}/api/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, stop: () => child.kill('SIGTERM') };
    await sleep(100);
  }
  throw new Error(`${name} did not start:\n${output}`);
}

async function api(base: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function seed(pool: pg.Pool) {
  const { hashPassword } = await import('../src/modules/auth/auth.password.js');
  const hash = await hashPassword(PASSWORD);
  const started = performance.now();
  await pool.query(
    `INSERT INTO users (email, name, role, password_hash, is_verified)
     SELECT 'forum-bench-' || i || '@example.com', 'Member ' || i, (ARRAY['alumni','student','faculty'])[1 + i % 3], $1, true FROM generate_series(1, 200) i`,
    [hash],
  );
  await pool.query(
    `INSERT INTO forum_posts (author_id, title, content, tags, is_pinned, created_at, updated_at)
     SELECT u.ids[1 + i % cardinality(u.ids)], 'Post ' || i || ': advice on ' || ($2::text[])[1 + i % 14],
       repeat('Some **markdown** about careers, interviews and campus life. ', 8),
       ARRAY[($2::text[])[1 + i % 14], ($2::text[])[1 + (i % 14 + 1 + i % 5) % 14]], i <= 3,
       now() - i * interval '1 minute', now() - i * interval '1 minute'
     FROM generate_series(1, $1::int) i, (SELECT array_agg(id ORDER BY email) ids FROM users) u`,
    [settings.posts, FORUM_SEED_TAGS],
  );
  await pool.query(`
    INSERT INTO engagement_comments (id, content_type, content_id, author_id, content, depth, sort_key, created_at, updated_at)
    SELECT id, 'forum_post', post_id, author, 'Comment ' || k || ' on this post', 0,
      to_char(at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') || replace(id::text, '-', ''), at, at
    FROM (SELECT gen_random_uuid() AS id, p.id AS post_id, u.ids[1 + (k + p.n) % cardinality(u.ids)] AS author, k,
            p.created_at + k * interval '1 second' AS at
          FROM (SELECT id, created_at, row_number() OVER () AS n FROM forum_posts) p, generate_series(1, 8) k,
               (SELECT array_agg(id) ids FROM users) u) s`);
  await pool.query(`
    INSERT INTO engagement_comments (id, content_type, content_id, parent_id, author_id, content, depth, sort_key, created_at, updated_at)
    SELECT id, 'forum_post', content_id, parent_id, author_id, 'A reply', 1,
      parent_key || '/' || to_char(at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') || replace(id::text, '-', ''), at, at
    FROM (SELECT gen_random_uuid() AS id, c.content_id, c.id AS parent_id, c.author_id, c.sort_key AS parent_key, c.created_at + interval '1 hour' AS at
          FROM engagement_comments c WHERE c.content ~ '^Comment [12] ') s`);
  await pool.query(`
    INSERT INTO engagement_likes (content_type, content_id, user_id)
    SELECT 'forum_post', p.id, u.id FROM (SELECT id FROM forum_posts ORDER BY created_at DESC LIMIT 2000) p
    CROSS JOIN LATERAL (SELECT id FROM users ORDER BY md5(id::text || p.id::text) LIMIT 5) u`);
  await pool.query(`
    INSERT INTO engagement_counters (content_type, content_id, likes_count, comments_count)
    SELECT 'forum_post', p.id,
      (SELECT count(*) FROM engagement_likes l WHERE l.content_type = 'forum_post' AND l.content_id = p.id),
      (SELECT count(*) FROM engagement_comments c WHERE c.content_type = 'forum_post' AND c.content_id = p.id)
    FROM forum_posts p`);
  await pool.query('ANALYZE');
  // Flush the seed's writes now, not during the first measurement.
  await pool.query('CHECKPOINT');
  const { rows } = await pool.query(
    `SELECT (SELECT count(*) FROM forum_posts)::int AS posts, (SELECT count(*) FROM engagement_comments)::int AS comments`,
  );
  log(`seeded ${rows[0].posts} posts, ${rows[0].comments} comments in ${Math.round(performance.now() - started)} ms`);
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  codes: string;
}
async function load(base: string, requests: LoadRequest[]): Promise<Load> {
  let n = 0;
  const options = {
    url: base,
    connections: settings.connections,
    requests,
    timeout: 30,
    setupClient: (client: { setRequests(r: LoadRequest[]): void }) => {
      const offset = Math.floor((n++ * requests.length) / settings.connections) % requests.length;
      client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
    },
  };
  await autocannon({ ...options, duration: 1 });
  const r = await autocannon({ ...options, duration: settings.duration });
  await sleep(500);
  return {
    rps: Math.round(r.requests.sent / r.duration),
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    codes: JSON.stringify(Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]))),
    errors: r.errors + r.timeouts,
  };
}

async function main() {
  const admin = new pg.Client({ connectionString: settings.pgUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${settings.database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${settings.database}`);
  await admin.end();
  const databaseUrl = withDatabase(settings.pgUrl, settings.database);
  const dataDir = await mkdtemp(join(tmpdir(), 'forum-bench-'));
  const cohortPort = await freePort();
  const cohort = await startChild(
    'cohort',
    ['src/server.ts'],
    {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      JWT_SECRET,
      PORT: String(cohortPort),
      DB_POOL_SIZE: String(settings.poolSize),
      RATE_LIMIT_GLOBAL_PER_MINUTE: '1000000000',
      RATE_LIMIT_LOGIN_IP_PER_MINUTE: '1000000000',
      RATE_LIMIT_LOGIN_FAILURES_PER_15_MIN: '1000000000',
      RATE_LIMIT_AUTH_IP_PER_MINUTE: '1000000000',
    },
    cohortPort,
  );
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  try {
    await seed(pool);
    const floorPort = await freePort();
    const floor = await startChild('floor', ['bench/forum.bench.ts', '--floor', String(floorPort), databaseUrl], {}, floorPort);
    const tokens: string[] = [];
    for (let i = 1; i <= MEMBERS; i++) {
      tokens.push(
        (await api(cohort.url, 'POST', '/api/auth/login', undefined, { email: `forum-bench-${i}@example.com`, password: PASSWORD }))
          .access_token,
      );
    }
    // content-type only with a body: Fastify (rightly) refuses an empty application/json body.
    const auth = (i: number, json = false) => ({
      authorization: `Bearer ${tokens[i % tokens.length]}`,
      ...(json ? { 'content-type': 'application/json' } : {}),
    });
    const first = await api(cohort.url, 'GET', '/api/forum/posts?tag=career', tokens[0]);
    const cursor = first.next_cursor as string;
    const { rows: likeTargets } = await pool.query<{ id: string }>('SELECT id FROM forum_posts ORDER BY created_at DESC LIMIT 200');
    const scenarios: [string, LoadRequest[]][] = [
      [
        'POST /api/forum/posts',
        Array.from({ length: MEMBERS }, (_, i) => ({
          method: 'POST',
          path: '/api/forum/posts',
          headers: auth(i, true),
          body: JSON.stringify({ title: `Bench post ${i}`, content: 'markdown **content** for the bench', tags: ['career', 'interview'] }),
        })),
      ],
      [
        'GET /api/forum/posts?tag=career (page 2)',
        Array.from({ length: MEMBERS }, (_, i) => ({
          method: 'GET',
          path: `/api/forum/posts?tag=career&cursor=${cursor}`,
          headers: auth(i),
        })),
      ],
      [
        'POST /api/forum/posts/{id}/like',
        Array.from({ length: 400 }, (_, i) => ({
          method: 'POST',
          path: `/api/forum/posts/${likeTargets[(i * 7) % likeTargets.length].id}/like`,
          headers: auth(i),
        })),
      ],
    ];
    const lines = [
      '| endpoint | Cohort req/s | floor req/s | ratio | Cohort p50 / p99 ms | floor p50 / p99 ms | non-2xx (C/F) |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    ];
    for (const [name, requests] of scenarios) {
      // Twice each, keeping each side's best run: the machine is shared and noisy.
      const runs: { c: Load[]; f: Load[] } = { c: [], f: [] };
      // ABBA order, so a drift in the machine's load does not favour one side.
      runs.c.push(await load(cohort.url, requests));
      runs.f.push(await load(floor.url, requests));
      runs.f.push(await load(floor.url, requests));
      runs.c.push(await load(cohort.url, requests));
      const best = (xs: Load[]) => xs.reduce((a, b) => (b.rps > a.rps ? b : a));
      const c = best(runs.c);
      const f = best(runs.f);
      const row = `| ${name} | ${c.rps} | ${f.rps} | ${(c.rps / f.rps).toFixed(2)} | ${c.p50} / ${c.p99} | ${f.p50} / ${f.p99} | ${c.non2xx + c.errors} / ${f.non2xx + f.errors} |`;
      log(`${row} codes C ${c.codes} F ${f.codes}`);
      lines.push(row);
    }
    const { rows: check } = await pool.query(`SELECT count(*)::int AS bad FROM engagement_counters c
      WHERE c.content_type = 'forum_post' AND c.likes_count <> (SELECT count(*) FROM engagement_likes l WHERE l.content_type = 'forum_post' AND l.content_id = c.content_id)`);
    lines.push(
      '',
      `posts ${settings.posts}, comments ${settings.posts * 10}, ${settings.connections} connections, ${settings.duration} s per run, pool ${settings.poolSize}; counters that differ from their like rows after the run: ${check[0].bad}`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    floor.stop();
  } finally {
    await pool.end();
    cohort.stop();
    await sleep(1000);
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--floor') await serveFloor(Number(process.argv[3]), process.argv[4]);
else await main();
