/**
 * Issue 11 real-time fan-out. Opens BENCH_RT_CONNECTIONS streams (half SSE, half WebSocket) for
 * BENCH_RT_USERS members, fires a burst of BENCH_RT_BROADCASTS broadcasts to all of them, and
 * measures commit-to-arrival latency (arrival time minus the notification's created_at, i.e. the
 * start of the transaction that wrote it: same clock, same machine), losses and duplicates (every
 * connection must get every broadcast exactly once) and server memory per open connection (RSS
 * growth / connections).
 *
 * Not a request/response load, so not the harness's floor: beside Cohort, this file runs its own
 * fan-out floor in a process of its own (BENCH_FANOUT_FLOOR_PORT set): a plain node:http SSE + ws
 * server that inserts the same rows in one statement and pushes them to its sockets, one broadcast
 * at a time (as Cohort's job worker does). With BENCH_REDIS_URL, also two Cohort instances sharing
 * Redis (streams split across them, broadcasts sent to the first), with the target's Cohort stopped.
 *
 * The members get a profile in their own department and the broadcasts go to that department, so
 * the people other scenarios wrote into the same database are not part of the burst.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket, { WebSocketServer } from 'ws';
import { signAccessToken } from '../src/modules/auth/auth.tokens.js';
import {
  ADMIN,
  BENCH_COHORT_ENV,
  embeddedDatabaseUrl,
  freePort,
  JWT_SECRET,
  log,
  login,
  round,
  settings,
  sleep,
  startCohort,
  startServer,
  type BenchRun,
  type Scenario,
  type Target,
} from './lib.js';

const DEPARTMENT = 'Realtime Bench';

// ---------------------------------------------------------------------------------------------
// The fan-out floor: node:http SSE + a ws server; POST /broadcast inserts the rows and pushes them

async function serveFanoutFloor(port: number, databaseUrl: string, poolSize: number) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  pool.on('error', () => {});
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
       SELECT u.id, 'announcement', $1, 'Bench broadcast', '/x', 'normal', '{}'::jsonb FROM users u JOIN profiles p ON p.user_id = u.id
        WHERE u.status = 'active' AND u.is_verified AND u.role = 'alumni' AND lower(p.department) = lower($2)
       RETURNING id, seq, user_id, type, title, message, link, priority, metadata, is_read, read_at, created_at`,
      [title, DEPARTMENT],
    );
    for (const n of rows) {
      const frame = JSON.stringify({ type: 'notification.created', id: String(n.seq), data: n });
      for (const send of byUser.get(n.user_id) ?? []) send(frame);
    }
  };
  let queue: Promise<void> = Promise.resolve();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://floor');
    if (url.pathname === '/api/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
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
      return void res.writeHead(202).end();
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
  server.listen(port, '127.0.0.1');
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    for (const ws of wss.clients) ws.terminate();
    void pool.end().finally(() => process.exit(0));
  });
}

async function startFanoutFloor(target: Target) {
  const port = await freePort();
  return startServer(
    `fan-out floor [${target.name}]`,
    'bench/realtime.bench.ts',
    { BENCH_FANOUT_FLOOR_PORT: String(port), FLOOR_DATABASE_URL: target.directUrl(), FLOOR_POOL_SIZE: String(settings.poolSize) },
    { port, timeoutMs: 30_000 },
  );
}

// ---------------------------------------------------------------------------------------------
// Clients

interface Arrival {
  conn: number;
  title: string;
  latencyMs: number;
}

type NotificationFrame = { type: string; data: { title: string; created_at: string } };
const arrived = (arrivals: Arrival[], conn: number, now: number, e: NotificationFrame) => {
  if (e.type === 'notification.created') arrivals.push({ conn, title: e.data.title, latencyMs: now - Date.parse(e.data.created_at) });
};

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
          const data = buffer
            .slice(0, cut)
            .split('\n')
            .find((l) => l.startsWith('data: '));
          buffer = buffer.slice(cut + 2);
          if (data) arrived(arrivals, conn, now, JSON.parse(data.slice(6)));
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
    ws.on('message', (raw) => arrived(arrivals, conn, Date.now(), JSON.parse(String(raw))));
    ws.once('open', () => resolve(() => ws.terminate()));
    ws.once('error', reject);
  });
}

const rssKb = async (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

// ---------------------------------------------------------------------------------------------
// The run

interface Member {
  id: string;
  token: string;
}

/** Members with a profile in DEPARTMENT, notification e-mails off (the bench measures the push, not the outbox), a session and an access token each (valid 15 minutes). */
async function seedMembers(target: Target): Promise<Member[]> {
  const { rows } = await target.query<{ id: string }>(
    `INSERT INTO users (email, name, role, is_verified)
     SELECT 'realtime-' || g || '@bench.example.com', 'Member ' || g, 'alumni', true FROM generate_series(1, $1::int) g ORDER BY g RETURNING id`,
    [settings.rtUsers],
  );
  const ids = rows.map((r) => r.id);
  await target.query(`INSERT INTO profiles (user_id, name, department) SELECT id, name, $2 FROM users WHERE id = ANY($1::uuid[])`, [
    ids,
    DEPARTMENT,
  ]);
  await target.query(`INSERT INTO notification_preferences (user_id, email_notifications) SELECT unnest($1::uuid[]), false`, [ids]);
  const sessions = await target.query<{ id: string; user_id: string }>(
    `INSERT INTO sessions (user_id, expires_at) SELECT unnest($1::uuid[]), now() + interval '1 day' RETURNING id, user_id`,
    [ids],
  );
  const key = new TextEncoder().encode(JWT_SECRET);
  return Promise.all(
    sessions.rows.map(async (s) => ({
      id: s.user_id,
      token: await signAccessToken(key, { userId: s.user_id, role: 'alumni', sessionId: s.id }),
    })),
  );
}

interface Measured {
  p50: number;
  p99: number;
  max: number;
  lost: number;
  duplicated: number;
  kbPerConnection: number;
}

/** Opens the streams on `bases` (round-robin), fires the burst through `fire`, and measures. */
async function measure(
  label: string,
  pids: number[],
  urls: { sse: (member: number, base: number) => string; ws: (member: number, base: number) => string },
  bases: number,
  fire: (title: string) => Promise<void>,
): Promise<Measured> {
  const arrivals: Arrival[] = [];
  const closers: (() => void)[] = [];
  const rss = async () => (await Promise.all(pids.map(rssKb))).reduce((a, b) => a + b, 0);
  const rssBefore = await rss();
  const { rtConnections: connections, rtUsers: users, rtBroadcasts: broadcasts } = settings;
  for (let i = 0; i < connections; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, connections - i) }, async (_, k) => {
        const conn = i + k;
        const [member, base] = [conn % users, conn % bases];
        closers.push(
          await (conn % 2 === 0 ? openSse(urls.sse(member, base), conn, arrivals) : openWs(urls.ws(member, base), conn, arrivals)),
        );
      }),
    );
  }
  await sleep(2000);
  const rssAfter = await rss();
  log(`  ${label}: ${connections} streams open; burst of ${broadcasts}`);
  const titles = Array.from({ length: broadcasts }, (_, i) => `${label} burst ${i} ${randomUUID().slice(0, 6)}`);
  await Promise.all(titles.map(fire));
  const expected = connections * broadcasts;
  const ours = new Set(titles);
  const deadline = Date.now() + 60_000;
  while (arrivals.filter((a) => ours.has(a.title)).length < expected && Date.now() < deadline) await sleep(100);
  await sleep(1000); // late duplicates
  for (const close of closers) close();
  const seen = new Map<string, number>();
  const latencies: number[] = [];
  for (const a of arrivals) {
    if (!ours.has(a.title)) continue;
    seen.set(`${a.conn}|${a.title}`, (seen.get(`${a.conn}|${a.title}`) ?? 0) + 1);
    latencies.push(a.latencyMs);
  }
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    lost: expected - seen.size,
    duplicated: [...seen.values()].filter((n) => n > 1).length,
    kbPerConnection: round((rssAfter - rssBefore) / connections, 1),
  };
}

const broadcastVia = (base: string, adminToken: string) => async (title: string) => {
  const res = await fetch(`${base}/api/admin/notifications/broadcast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ title, message: 'Bench broadcast', link: '/x', audience: { roles: ['alumni'], departments: [DEPARTMENT] } }),
  });
  if (res.status !== 202) throw new Error(`broadcast ${res.status} ${await res.text()}`);
};

const cohortUrls = (members: Member[], bases: string[]) => ({
  sse: (m: number, b: number) => `${bases[b]}/api/notifications/stream?access_token=${members[m].token}`,
  ws: (m: number, b: number) => `${bases[b].replace('http', 'ws')}/api/ws?access_token=${members[m].token}`,
});

function report(run: BenchRun, target: Target, results: Map<string, Measured>) {
  const floor = results.get('floor');
  const one = results.get('cohort');
  const setups: [string, string][] = [
    ['cohort', 'Cohort, one instance'],
    ['floor', 'floor (node:http SSE + ws)'],
    ['redis', 'Cohort, two instances + Redis'],
  ];
  const what = `${settings.rtConnections.toLocaleString('en-US')} streams (half SSE) of ${settings.rtUsers} members, burst of ${settings.rtBroadcasts}`;
  for (const [key, name] of setups) {
    const m = results.get(key);
    if (!m) continue;
    const p99Goal = key === 'cohort' && floor ? 1.5 * floor.p99 : key === 'redis' && one ? 2 * one.p99 : undefined;
    run.measure({
      scenario: 'realtime',
      what: `${name}: fan-out p99 latency, ${what} (p50 ${m.p50}, max ${m.max} ms)`,
      target: target.name,
      value: m.p99,
      unit: 'ms',
      goal: p99Goal === undefined ? undefined : key === 'cohort' ? "≤ 1.5× the floor's" : '≤ 2× one instance',
      verdict: p99Goal === undefined ? undefined : m.p99 <= p99Goal ? 'ok' : 'miss',
      detail: m,
    });
    run.measure({
      scenario: 'realtime',
      what: `${name}: deliveries lost + duplicated (${m.lost} + ${m.duplicated})`,
      target: target.name,
      value: m.lost + m.duplicated,
      unit: 'deliveries',
      goal: '0',
      verdict: m.lost + m.duplicated === 0 ? 'ok' : 'miss',
    });
    const kbGoal = key !== 'floor' && floor ? 1.5 * floor.kbPerConnection : undefined;
    run.measure({
      scenario: 'realtime',
      what: `${name}: RSS growth per open stream`,
      target: target.name,
      value: m.kbPerConnection,
      unit: 'KB',
      goal: kbGoal === undefined ? undefined : "≤ 1.5× the floor's",
      verdict: kbGoal === undefined ? undefined : m.kbPerConnection <= kbGoal ? 'ok' : 'miss',
    });
  }
}

const scenario: Scenario = {
  name: 'realtime',
  title: 'Real-time fan-out (issue 11)',
  floorRoutes: [],

  async run(target, run) {
    const members = await seedMembers(target);
    const results = new Map<string, Measured>();
    results.set(
      'cohort',
      await measure(
        'cohort',
        [target.cohort.pid],
        cohortUrls(members, [target.cohort.url]),
        1,
        broadcastVia(target.cohort.url, target.adminToken),
      ),
    );

    const floor = await startFanoutFloor(target);
    try {
      const byUser = (path: string, base: string) => (m: number) => `${base}${path}?user=${members[m].id}`;
      results.set(
        'floor',
        await measure(
          'floor',
          [floor.pid],
          { sse: byUser('/stream', floor.url), ws: byUser('/ws', floor.url.replace('http', 'ws')) },
          1,
          async (title) => {
            const res = await fetch(`${floor.url}/broadcast?title=${encodeURIComponent(title)}`, { method: 'POST' });
            if (res.status !== 202) throw new Error(`floor broadcast ${res.status}`);
          },
        ),
      );
    } finally {
      await floor.stop();
    }

    if (settings.redisUrl) {
      // The target's Cohort is stopped meanwhile: without Redis, it would take broadcast jobs and push only to its own streams.
      await target.restart(async () => {
        const env = { ...BENCH_COHORT_ENV, REDIS_URL: settings.redisUrl! };
        const a = await startCohort(`cohort A + Redis [${target.name}]`, target.database, env);
        try {
          const dataDir = join(run.tmpDir, `${target.name}-instance-b`);
          await mkdir(dataDir, { recursive: true });
          const databaseUrl = target.database.databaseUrl ?? embeddedDatabaseUrl(target.database.dataDir);
          const b = await startCohort(`cohort B + Redis [${target.name}]`, { databaseUrl, dataDir }, env);
          try {
            const adminToken = await login(a.url, ADMIN.email, ADMIN.password);
            results.set(
              'redis',
              await measure('redis', [a.pid, b.pid], cohortUrls(members, [a.url, b.url]), 2, broadcastVia(a.url, adminToken)),
            );
          } finally {
            await b.stop();
          }
        } finally {
          await a.stop();
        }
      });
    } else {
      run.note(`realtime [${target.name}]: two instances + Redis not measured (set BENCH_REDIS_URL)`);
    }
    report(run, target, results);
  },
};

export default scenario;

if (process.env.BENCH_FANOUT_FLOOR_PORT) {
  await serveFanoutFloor(
    Number(process.env.BENCH_FANOUT_FLOOR_PORT),
    process.env.FLOOR_DATABASE_URL!,
    Number(process.env.FLOOR_POOL_SIZE ?? 10),
  );
}
