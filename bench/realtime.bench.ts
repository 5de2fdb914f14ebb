/**
 * Issue 11 real-time fan-out, standalone: `node --import tsx bench/realtime.bench.ts`.
 *
 * Opens BENCH_RT_CONNECTIONS connections (half SSE, half WebSocket) for BENCH_RT_USERS members,
 * then fires a burst of BENCH_RT_BROADCASTS broadcasts to all of them, and measures
 * commit-to-arrival latency (arrival time minus the notification's created_at, i.e. the start of
 * the transaction that wrote it: same clock, same machine), losses and duplicates (every
 * connection must get every broadcast exactly once) and server memory per open connection (RSS
 * growth / connections). Beside it, a floor: this file with `--floor`, a plain node:http SSE + ws
 * server that inserts the same rows in one statement and pushes them to its own sockets, one
 * broadcast at a time (as Cohort's job worker does).
 * With BENCH_REDIS_URL, also two Cohort instances sharing Redis (connections split across them,
 * broadcasts sent to the first).
 *
 * Env: BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/postgres), BENCH_RT_CONNECTIONS (2000),
 * BENCH_RT_USERS (200), BENCH_RT_BROADCASTS (20), BENCH_REDIS_URL (unset: single instance only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import pg from 'pg';
import WebSocket, { WebSocketServer } from 'ws';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const JWT_SECRET = 'bench-only-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const ADMIN = { email: 'bench-rt-admin@example.com', password: 'Bench-admin-password-42' };
const env = process.env;
const settings = {
  pgUrl: env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  connections: Number(env.BENCH_RT_CONNECTIONS ?? 2000),
  users: Number(env.BENCH_RT_USERS ?? 200),
  broadcasts: Number(env.BENCH_RT_BROADCASTS ?? 20),
  redisUrl: env.BENCH_REDIS_URL,
};
const DB = 'cohort_bench_rt';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`[realtime bench] ${msg}\n`);
const withDb = (url: string, name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

function spawnTs(args: string[], extraEnv: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c) => (err = (err + c).slice(-4000)));
  child.on('exit', (code) => code && log(`${args.join(' ')} exited ${code}: ${err}`));
  return child;
}
async function waitHttp(url: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fetch(url).then((r) => r.status < 500, () => false)) return;
    await sleep(200);
  }
  throw new Error(`${url} did not answer`);
}
const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(20_000)]);
};

// ---------------------------------------------------------------------------------------------
// The floor: node:http SSE + a ws server; POST /broadcast inserts the rows and pushes them

async function serveFloor() {
  const pool = new pg.Pool({ connectionString: env.FLOOR_DATABASE_URL, max: 10 });
  const byUser = new Map<string, Set<(frame: string) => void>>();
  const attach = (userId: string, send: (frame: string) => void) => {
    let set = byUser.get(userId);
    if (!set) byUser.set(userId, (set = new Set()));
    set.add(send);
    return () => set.delete(send);
  };
  const broadcast = async (title: string) => {
    const { rows } = await pool.query(
      `INSERT INTO notifications (user_id, type, title, message, link, priority, metadata)
       SELECT id, 'announcement', $1, 'Bench broadcast', '/x', 'normal', '{}'::jsonb FROM users WHERE status = 'active' AND is_verified AND role <> 'admin'
       RETURNING id, seq, user_id, type, title, message, link, priority, metadata, is_read, read_at, created_at`,
      [title],
    );
    for (const n of rows) {
      const frame = JSON.stringify({ type: 'notification.created', id: String(n.seq), data: n });
      for (const send of byUser.get(n.user_id) ?? []) send(frame);
    }
  };
  let queue: Promise<void> = Promise.resolve();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://floor');
    if (url.pathname === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('retry: 3000\n\n');
      const detach = attach(url.searchParams.get('user')!, (frame) => res.write(`data: ${frame}\n\n`));
      req.once('close', detach);
      return;
    }
    if (url.pathname === '/broadcast' && req.method === 'POST') {
      const title = url.searchParams.get('title')!;
      // One at a time, like Cohort's broadcast job on one worker: a burst queues, as it does there.
      queue = queue.then(() => broadcast(title)).catch(() => {});
      res.writeHead(202).end();
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const user = new URL(req.url!, 'http://floor').searchParams.get('user')!;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const detach = attach(user, (frame) => ws.send(frame));
      ws.once('close', detach);
    });
  });
  server.listen(Number(env.FLOOR_PORT), '127.0.0.1');
}

// ---------------------------------------------------------------------------------------------
// Clients

interface Arrival {
  conn: number;
  title: string;
  latencyMs: number;
}

function openSse(url: string, conn: number, arrivals: Arrival[]) {
  return new Promise<() => void>((resolve, reject) => {
    const req = http.get(url, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE ${res.statusCode}`));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = Date.now();
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const e = JSON.parse(data.slice(6)) as { type: string; data: { title: string; created_at: string } };
          if (e.type === 'notification.created') arrivals.push({ conn, title: e.data.title, latencyMs: now - Date.parse(e.data.created_at) });
        }
      });
      resolve(() => req.destroy());
    });
    req.on('error', reject);
  });
}

function openWs(url: string, conn: number, arrivals: Arrival[]) {
  return new Promise<() => void>((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('message', (raw) => {
      const now = Date.now();
      const e = JSON.parse(String(raw)) as { type: string; data: { title: string; created_at: string } };
      if (e.type === 'notification.created') arrivals.push({ conn, title: e.data.title, latencyMs: now - Date.parse(e.data.created_at) });
    });
    ws.once('open', () => resolve(() => ws.terminate()));
    ws.once('error', reject);
  });
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

// ---------------------------------------------------------------------------------------------
// The run

async function seedMembers(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const key = new TextEncoder().encode(JWT_SECRET);
  const members: { id: string; token: string }[] = [];
  try {
    const { rows } = await client.query(
      `INSERT INTO users (email, name, role, is_verified)
       SELECT 'rt-' || g || '-' || $2 || '@example.com', 'Member ' || g, 'alumni', true FROM generate_series(1, $1::int) g RETURNING id`,
      [settings.users, randomUUID().slice(0, 8)],
    );
    // Notification e-mails off: the bench measures the push, not the outbox.
    await client.query(`INSERT INTO notification_preferences (user_id, email_notifications) SELECT unnest($1::uuid[]), false`, [rows.map((r) => r.id)]);
    for (const { id } of rows) {
      const session = await client.query(`INSERT INTO sessions (user_id, expires_at) VALUES ($1, now() + interval '1 day') RETURNING id`, [id]);
      const token = await new SignJWT({ role: 'alumni', sid: session.rows[0].id })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer('cohort')
        .setAudience('cohort-api')
        .setSubject(id)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key);
      members.push({ id, token });
    }
  } finally {
    await client.end();
  }
  return members;
}

interface Measured {
  p50: number;
  p99: number;
  max: number;
  lost: number;
  duplicated: number;
  kbPerConnection: number;
}

/** Opens the connections on `bases` (round-robin), fires the burst through `fire`, and measures. */
async function measure(
  label: string,
  pids: number[],
  urls: { sse: (userIdx: number, base: number) => string; ws: (userIdx: number, base: number) => string },
  bases: number,
  fire: (title: string) => Promise<void>,
): Promise<Measured> {
  const arrivals: Arrival[] = [];
  const closers: (() => void)[] = [];
  const rssBefore = pids.reduce((s, pid) => s + rssKb(pid), 0);
  const conns = Array.from({ length: settings.connections }, (_, i) => i);
  await inBatches(conns, 100, async (i) => {
    const user = i % settings.users;
    const base = i % bases;
    closers.push(await (i % 2 === 0 ? openSse(urls.sse(user, base), i, arrivals) : openWs(urls.ws(user, base), i, arrivals)));
  });
  await sleep(2000);
  const rssAfter = pids.reduce((s, pid) => s + rssKb(pid), 0);
  log(`${label}: ${settings.connections} connections open; burst of ${settings.broadcasts}`);
  const titles = Array.from({ length: settings.broadcasts }, (_, i) => `${label} burst ${i} ${randomUUID().slice(0, 6)}`);
  await Promise.all(titles.map(fire));
  const expected = settings.connections * settings.broadcasts;
  const deadline = Date.now() + 60_000;
  while (arrivals.length < expected && Date.now() < deadline) await sleep(100);
  await sleep(1000); // late duplicates
  for (const close of closers) close();
  const seen = new Map<string, number>();
  for (const a of arrivals) if (titles.includes(a.title)) seen.set(`${a.conn}|${a.title}`, (seen.get(`${a.conn}|${a.title}`) ?? 0) + 1);
  const latencies = arrivals.filter((a) => titles.includes(a.title)).map((a) => a.latencyMs);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    lost: expected - seen.size,
    duplicated: [...seen.values()].filter((n) => n > 1).length,
    kbPerConnection: Math.round(((rssAfter - rssBefore) / settings.connections) * 10) / 10,
  };
}

async function startCohort(databaseUrl: string, extra: Record<string, string> = {}) {
  const port = await freePort();
  const child = spawnTs(['src/server.ts'], {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    JWT_SECRET,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    RATE_LIMIT_GLOBAL_PER_MINUTE: '1000000000',
    RATE_LIMIT_LOGIN_IP_PER_MINUTE: '1000000000',
    RATE_LIMIT_AUTH_IP_PER_MINUTE: '1000000000',
    ...extra,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitHttp(`${base}/api/health`);
  return { child, base };
}

async function main() {
  const admin = new pg.Client({ connectionString: settings.pgUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const databaseUrl = withDb(settings.pgUrl, DB);
  const results: [string, Measured][] = [];
  const children: ChildProcess[] = [];
  try {
    const one = await startCohort(databaseUrl);
    children.push(one.child);
    const members = await seedMembers(databaseUrl);
    const login = await fetch(`${one.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    const adminToken = ((await login.json()) as { access_token: string }).access_token;
    const broadcastVia = (base: string) => async (title: string) => {
      const res = await fetch(`${base}/api/admin/notifications/broadcast`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ title, message: 'Bench broadcast', link: '/x', audience: { roles: ['alumni'] } }),
      });
      if (res.status !== 202) throw new Error(`broadcast ${res.status} ${await res.text()}`);
    };
    const cohortUrls = (bases: string[]) => ({
      sse: (u: number, b: number) => `${bases[b]}/api/notifications/stream?access_token=${members[u].token}`,
      ws: (u: number, b: number) => `${bases[b].replace('http', 'ws')}/api/ws?access_token=${members[u].token}`,
    });
    results.push(['Cohort, one instance', await measure('cohort', [one.child.pid!], cohortUrls([one.base]), 1, broadcastVia(one.base))]);

    const floorPort = await freePort();
    const floor = spawnTs(['bench/realtime.bench.ts', '--floor'], { FLOOR_PORT: String(floorPort), FLOOR_DATABASE_URL: databaseUrl });
    children.push(floor);
    const floorBase = `http://127.0.0.1:${floorPort}`;
    await waitHttp(`${floorBase}/`);
    results.push([
      'floor (node:http SSE + ws)',
      await measure(
        'floor',
        [floor.pid!],
        { sse: (u) => `${floorBase}/stream?user=${members[u].id}`, ws: (u) => `${floorBase.replace('http', 'ws')}/ws?user=${members[u].id}` },
        1,
        async (title) => {
          const res = await fetch(`${floorBase}/broadcast?title=${encodeURIComponent(title)}`, { method: 'POST' });
          if (res.status !== 202) throw new Error(`floor broadcast ${res.status}`);
        },
      ),
    ]);
    await stop(floor);
    await stop(one.child);

    if (settings.redisUrl) {
      const a = await startCohort(databaseUrl, { REDIS_URL: settings.redisUrl });
      const b = await startCohort(databaseUrl, { REDIS_URL: settings.redisUrl });
      children.push(a.child, b.child);
      results.push(['Cohort, two instances + Redis', await measure('redis', [a.child.pid!, b.child.pid!], cohortUrls([a.base, b.base]), 2, broadcastVia(a.base))]);
    }
  } finally {
    for (const c of children) await stop(c);
    const cleanup = new pg.Client({ connectionString: settings.pgUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => {});
    await cleanup.end();
  }
  const header = ['setup', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'duplicated', 'RSS KB / connection'];
  process.stdout.write(
    [header, header.map(() => '---'), ...results.map(([name, m]) => [name, m.p50, m.p99, m.max, m.lost, m.duplicated, m.kbPerConnection].map(String))]
      .map((r) => `| ${r.join(' | ')} |`)
      .join('\n') + '\n',
  );
  process.stdout.write(`(${settings.connections} connections, half SSE half WebSocket, over ${settings.users} members; burst of ${settings.broadcasts} broadcasts)\n`);
}

if (process.argv.includes('--floor')) await serveFloor();
else await main();
