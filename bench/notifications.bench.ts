/**
 * Issue 11 (notifications), standalone: `node --import tsx bench/notifications.bench.ts`.
 *
 * Starts Cohort as `npm start` would (a child process), gives three members 0, 50 and 5,000
 * notifications, and loads GET /api/notifications/unread-count, the first page of
 * GET /api/notifications (limit 20) and PUT /api/notifications/{id}/read, each beside a floor:
 * this same file run with `--floor`, plain node:http + pg doing what Cohort's code does and nothing
 * else (verify the JWT, check the session, the same SQL, JSON out). Cohort/floor is the figure.
 *
 * The SQL below mirrors src/modules/notifications/notifications.service.ts and
 * src/modules/auth/auth.sessions.ts as of this writing: when those change, change the floor here.
 * Own helpers on purpose (bench/lib.ts is being split); it prints a markdown table on stdout.
 *
 * Env: BENCH_TARGETS (postgres,embedded), BENCH_DURATION (s, 10), BENCH_WARMUP (s, 1),
 * BENCH_CONNECTIONS (32), BENCH_POOL_SIZE (20), BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/postgres).
 */
import autocannon, { type Request as LoadRequest } from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jwtVerify } from 'jose';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const JWT_SECRET = 'bench-only-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const PASSWORD = 'Bench-member-password-42';
const env = process.env;
const settings = {
  duration: Number(env.BENCH_DURATION ?? 10),
  warmup: Number(env.BENCH_WARMUP ?? 1),
  connections: Number(env.BENCH_CONNECTIONS ?? 32),
  poolSize: Number(env.BENCH_POOL_SIZE ?? 20),
  targets: (env.BENCH_TARGETS ?? 'postgres,embedded').split(',').filter(Boolean),
  pgUrl: env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};
const SIZES = [0, 50, 5000] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`[notifications bench] ${msg}\n`);
const withDb = (url: string, name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

function spawnTs(args: string[], extraEnv: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c) => (err = (err + c).slice(-4000)));
  child.on('exit', (code) => code && code !== 130 && log(`${args.join(' ')} exited ${code}: ${err}`));
  return child;
}

async function waitHttp(url: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(20_000)]);
};

// ---------------------------------------------------------------------------------------------
// The floor: node:http + pg, the same work as Cohort's handler and nothing else

const SESSION_SQL = `SELECT u.id, u.email, u.name, u.role, u.is_verified, u.status, u.last_login_at, u.created_at, u.updated_at
  FROM sessions s JOIN users u ON u.id = s.user_id
  WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active'`;
const COLUMNS = 'id, seq, user_id, type, title, message, link, priority, metadata, is_read, read_at, dedupe_key, created_at';
const view = (n: Record<string, unknown>) => ({
  id: n.id,
  type: n.type,
  title: n.title,
  message: n.message,
  link: n.link,
  priority: n.priority,
  metadata: n.metadata,
  is_read: n.is_read,
  read_at: n.read_at,
  created_at: n.created_at,
});

/** Signed like Cohort's cursors (base64url JSON + HMAC). */
const cursorOf = (key: unknown[]) => {
  const payload = Buffer.from(JSON.stringify(key)).toString('base64url');
  return `${payload}.${createHmac('sha256', JWT_SECRET).update(payload).digest('base64url').slice(0, 22)}`;
};

async function serveFloor() {
  const pool = new pg.Pool({ connectionString: env.FLOOR_DATABASE_URL, max: Number(env.FLOOR_POOL_SIZE ?? 20) });
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(JWT_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  http
    .createServer(async (req, res) => {
      try {
        const token = (req.headers.authorization ?? '').slice(7);
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: 'cohort', audience: 'cohort-api' });
        const session = await pool.query({ name: 's', text: SESSION_SQL, values: [payload.sid, payload.sub] });
        if (!session.rows[0]) return send(res, 401, { code: 'unauthenticated' });
        const url = new URL(req.url!, 'http://floor');
        if (url.pathname === '/api/notifications/unread-count') {
          const { rows } = await pool.query({ name: 'c', text: 'SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND is_read = false', values: [payload.sub] });
          return send(res, 200, { unread_count: rows[0].n });
        }
        if (url.pathname === '/api/notifications') {
          const limit = Number(url.searchParams.get('limit') ?? 20);
          const { rows } = await pool.query({ name: 'l', text: `SELECT ${COLUMNS} FROM notifications WHERE user_id = $1 ORDER BY seq DESC LIMIT $2`, values: [payload.sub, limit + 1] });
          const more = rows.length > limit;
          const page = rows.slice(0, limit);
          return send(res, 200, { results: page.map(view), next_cursor: more ? cursorOf(['n', page.at(-1)!.seq]) : null });
        }
        const read = /^\/api\/notifications\/([0-9a-f-]{36})\/read$/.exec(url.pathname);
        if (read && req.method === 'PUT') {
          const { rows } = await pool.query({
            name: 'r',
            text: `UPDATE notifications SET is_read = true, read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
            values: [read[1], payload.sub],
          });
          return rows[0] ? send(res, 200, view(rows[0])) : send(res, 404, { code: 'not_found' });
        }
        send(res, 404, { code: 'not_found' });
      } catch {
        send(res, 401, { code: 'unauthenticated' });
      }
    })
    .listen(Number(env.FLOOR_PORT), '127.0.0.1');
}

// ---------------------------------------------------------------------------------------------
// The run

interface Member {
  size: number;
  id: string;
  token: string;
  ids: string[];
}

async function seed(base: string, databaseUrl: string): Promise<Member[]> {
  const { hashPassword } = await import('../src/modules/auth/auth.password.js');
  const hash = await hashPassword(PASSWORD);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const members: Member[] = [];
  try {
    for (const size of SIZES) {
      const email = `bench-n11-${size}-${Date.now()}@example.com`;
      const { rows } = await client.query(
        `INSERT INTO users (email, name, role, password_hash, is_verified) VALUES ($1, $2, 'alumni', $3, true) RETURNING id`,
        [email, `Bench ${size}`, hash],
      );
      const id = rows[0].id as string;
      // A realistic mix: a third unread, titles and messages of a usual length.
      await client.query(
        `INSERT INTO notifications (user_id, type, title, message, link, priority, metadata, is_read, read_at, created_at)
         SELECT $1, 'application.status_changed', 'Your application for Data Engineer ' || g || ': shortlisted',
                'Your application for "Data Engineer ' || g || '" is now: shortlisted. We will be in touch about the next steps.',
                '/applications/' || gen_random_uuid(), 'normal', jsonb_build_object('job_id', gen_random_uuid()),
                g % 3 <> 0, CASE WHEN g % 3 <> 0 THEN now() END, now() - (($2::int - g) || ' minutes')::interval
         FROM generate_series(1, $2::int) AS g`,
        [id, size],
      );
      const ids = (await client.query(`SELECT id FROM notifications WHERE user_id = $1 ORDER BY seq DESC LIMIT 1000`, [id])).rows.map((r) => r.id as string);
      const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
      if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
      members.push({ size, id, ids, token: ((await login.json()) as { access_token: string }).access_token });
    }
    await client.query('ANALYZE notifications');
  } finally {
    await client.end();
  }
  return members;
}

async function load(url: string, requests: LoadRequest[]) {
  const options = { url, connections: settings.connections, requests };
  if (settings.warmup > 0) await autocannon({ ...options, duration: settings.warmup });
  const r = await autocannon({ ...options, duration: settings.duration });
  const bad = r.non2xx + r.errors;
  if (bad) log(`${url}${requests[0].path}: ${bad} failed requests (${JSON.stringify(r.statusCodeStats)})`);
  return { rps: r.requests.average, p99: r.latency.p99, failed: bad };
}

async function runTarget(target: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cohort-bench-n11-'));
  let databaseUrl: string | undefined;
  const dbName = 'cohort_bench_n11';
  if (target === 'postgres') {
    const admin = new pg.Client({ connectionString: settings.pgUrl, connectionTimeoutMillis: 3000 });
    try {
      await admin.connect();
    } catch (err) {
      log(`postgres: not measured (${(err as Error).message})`);
      return [];
    }
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    databaseUrl = withDb(settings.pgUrl, dbName);
  }
  const port = await freePort();
  const cohort = spawnTs(['src/server.ts'], {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET,
    DB_POOL_SIZE: String(settings.poolSize),
    RATE_LIMIT_GLOBAL_PER_MINUTE: '1000000000',
    RATE_LIMIT_LOGIN_IP_PER_MINUTE: '1000000000',
    RATE_LIMIT_AUTH_IP_PER_MINUTE: '1000000000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const base = `http://127.0.0.1:${port}`;
  let floor: ChildProcess | undefined;
  const rows: string[][] = [];
  try {
    await waitHttp(`${base}/api/health`);
    const url =
      databaseUrl ??
      (() => {
        const pgPort = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);
        const password = readFileSync(join(dataDir, 'pg-password'), 'utf8').trim();
        return `postgres://cohort:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/postgres`;
      })();
    const members = await seed(base, url);
    const floorPort = await freePort();
    floor = spawnTs(['bench/notifications.bench.ts', '--floor'], {
      FLOOR_PORT: String(floorPort),
      FLOOR_DATABASE_URL: url,
      FLOOR_POOL_SIZE: String(settings.poolSize),
    });
    const floorBase = `http://127.0.0.1:${floorPort}`;
    await waitHttp(`${floorBase}/ready`).catch(() => {}); // any answer (404 JSON) means it listens
    await sleep(300);
    const auth = (m: Member) => ({ authorization: `Bearer ${m.token}` });
    const cases: { name: string; requests: (m: Member) => LoadRequest[]; sizes: readonly number[] }[] = [
      { name: 'GET unread-count', sizes: SIZES, requests: (m) => [{ method: 'GET', path: '/api/notifications/unread-count', headers: auth(m) }] },
      { name: 'GET first page', sizes: SIZES, requests: (m) => [{ method: 'GET', path: '/api/notifications?limit=20', headers: auth(m) }] },
      {
        name: 'PUT {id}/read',
        sizes: [5000],
        requests: (m) => m.ids.map((id) => ({ method: 'PUT', path: `/api/notifications/${id}/read`, headers: auth(m) })),
      },
    ];
    for (const c of cases) {
      for (const size of c.sizes) {
        const m = members.find((x) => x.size === size)!;
        log(`${target}: ${c.name} (${size})`);
        const cohortRun = await load(base, c.requests(m));
        const floorRun = await load(floorBase, c.requests(m));
        rows.push([
          target,
          `${c.name} (${size.toLocaleString('en')})`,
          cohortRun.rps.toFixed(0),
          floorRun.rps.toFixed(0),
          (cohortRun.rps / floorRun.rps).toFixed(2),
          `${cohortRun.p99} / ${floorRun.p99}`,
          String(cohortRun.failed + floorRun.failed),
        ]);
      }
    }
  } finally {
    if (floor) await stop(floor);
    await stop(cohort);
    if (target === 'postgres') {
      const admin = new pg.Client({ connectionString: settings.pgUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
      await admin.end();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}

async function main() {
  log(`duration ${settings.duration}s, ${settings.connections} connections, pool ${settings.poolSize}, targets ${settings.targets.join(',')}`);
  const rows: string[][] = [];
  for (const target of settings.targets) rows.push(...(await runTarget(target)));
  const header = ['target', 'endpoint (notifications held)', 'Cohort req/s', 'floor req/s', 'Cohort/floor', 'p99 ms Cohort / floor', 'failed'];
  process.stdout.write(
    [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n',
  );
}

if (process.argv.includes('--floor')) await serveFloor();
else await main();
