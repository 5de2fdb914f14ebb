/**
 * Issue 13 (events), standalone: `node --import tsx bench/events.bench.ts [--events 20000]
 * [--rsvps 500000] [--duration 10] [--connections 16]`. Imports nothing from bench/lib.ts.
 *
 * 1. A fresh database on the machine's PostgreSQL (BENCH_DATABASE_URL, default
 *    postgres://postgres@127.0.0.1:5432/postgres), migrated, filled by SQL with N events and M RSVPs.
 * 2. Cohort (`src/server.ts`, its own process) and a floor (this file with `--floor`, its own
 *    process: node:http + pg, the same SQL as src/modules/events/events.list.ts and events.rsvp.ts
 *    as of this writing, nothing else) serve `GET /api/events` (upcoming, filtered) and
 *    `POST /api/events/{id}/rsvp`; autocannon loads each in turn. Goal: Cohort ≥ 0.9 × floor.
 * 3. 200 simultaneous RSVPs for 50 seats with a waitlist: exactly 50 attending, 150 waitlisted,
 *    positions 1..150 in the order the answers were settled, counters equal to the rows.
 */
import autocannon, { type Request } from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { errors as joseErrors, jwtVerify } from 'jose';
import pg from 'pg';

const JWT_SECRET = 'events-bench-secret-0123456789abcdefghijklmnop';
const PASSWORD = 'Events-bench-password-42';
const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// The floor: plain node:http + pg, same statements as the services, no framework.

const SESSION_SQL = `SELECT u.id, u.email, u.name, u.role, u.is_verified, u.status, u.last_login_at, u.created_at, u.updated_at
  FROM sessions s JOIN users u ON u.id = s.user_id
  WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active'`;

const EVENT_COLUMNS = `e.id, e.title, e.description, e.event_type, e.location, e.is_virtual, e.meeting_link, e.start_date, e.end_date,
  e.timezone, e.registration_deadline, e.max_attendees, e.waitlist_enabled, e.created_by, e.banner_key, e.attending_count,
  e.waitlist_count, e.cancel_reason, e.created_at, e.updated_at,
  CASE WHEN e.cancelled_at IS NOT NULL THEN 'cancelled' WHEN e.end_date <= now() THEN 'completed' ELSE 'scheduled' END AS status,
  r.status AS my_status, r.rsvp_date AS my_rsvp_date,
  CASE WHEN r.status = 'waitlisted' THEN (SELECT count(*)::int FROM event_rsvps w WHERE w.event_id = r.event_id AND w.status = 'waitlisted'
    AND w.waitlist_seq <= r.waitlist_seq) END AS my_position,
  to_char(e.start_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts`;

async function serveFloor(port: number, databaseUrl: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  const key = new TextEncoder().encode(JWT_SECRET);
  const cursorSecret = Buffer.from(key).toString('hex');
  const sign = (payload: string) => createHmac('sha256', cursorSecret).update(payload).digest('base64url').slice(0, 22);
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' });
    res.end(JSON.stringify(body));
  };
  async function authenticate(req: http.IncomingMessage) {
    const token = req.headers.authorization?.slice(7);
    if (!token) return null;
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: 'cohort', audience: 'cohort-api' });
      const { rows } = await pool.query({ name: 'auth-session', text: SESSION_SQL, values: [payload.sid, payload.sub] });
      return rows[0] ? (rows[0] as { id: string }) : null;
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return null;
      throw err;
    }
  }
  const toEvent = (row: Record<string, any>) => {
    const { my_status, my_rsvp_date, my_position, cursor_ts: _c, banner_key: _b, ...event } = row;
    return {
      ...event,
      banner_url: null,
      my_rsvp: my_status ? { status: my_status, rsvp_date: my_rsvp_date, waitlist_position: my_position } : null,
    };
  };

  async function listEvents(actorId: string, query: URLSearchParams) {
    const where = [
      `e.deleted_at IS NULL`,
      `(e.end_date > now() AND e.start_date > now() - make_interval(days => 30))`,
      `e.cancelled_at IS NULL`,
    ];
    const values: unknown[] = [];
    const add = (clause: (n: string) => string, value: unknown) => {
      values.push(value);
      where.push(clause(`$${values.length + 1}`));
    };
    const type = query.get('event_type')?.trim();
    if (type) add((p) => `e.event_type = ${p}`, type);
    const virtual = query.get('is_virtual')?.trim();
    if (virtual) add((p) => `e.is_virtual = ${p}`, virtual === 'true');
    const location = query.get('location')?.trim();
    if (location) add((p) => `e.location ILIKE ${p}`, `%${location.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const limit = Number(query.get('limit') ?? 20);
    const rowsSql = `SELECT ${EVENT_COLUMNS} FROM events e LEFT JOIN event_rsvps r ON r.event_id = e.id AND r.user_id = $1
      WHERE ${where.join(' AND ')} ORDER BY e.start_date ASC, e.id ASC LIMIT ${limit + 1}`;
    const countSql = `SELECT count(*)::int AS count FROM events e WHERE ${where.join(' AND ')}`;
    const [rows, count] = await Promise.all([
      pool.query(rowsSql, [actorId, ...values]),
      pool.query(
        countSql.replaceAll(/\$(\d+)/g, (_, n: string) => `$${Number(n) - 1}`),
        values,
      ),
    ]);
    const results = rows.rows.slice(0, limit);
    const last = results.at(-1);
    const payload =
      last && rows.rows.length > limit
        ? Buffer.from(JSON.stringify(['events.upcoming', last.cursor_ts, last.id])).toString('base64url')
        : null;
    return { results: results.map(toEvent), next_cursor: payload ? `${payload}.${sign(payload)}` : null, count: count.rows[0].count };
  }

  async function rsvp(actorId: string, eventId: string, status: string) {
    const client = await pool.connect();
    let committed = false;
    try {
      await client.query('BEGIN');
      const { rows: events } = await client.query(
        `SELECT waitlist_enabled, attending_count, waitlist_count, CASE WHEN cancelled_at IS NOT NULL THEN 'event_cancelled' WHEN end_date <= now() THEN 'event_ended'
           WHEN now() >= coalesce(registration_deadline, start_date) THEN 'registration_closed' END AS closed
           FROM events WHERE id = $1 AND deleted_at IS NULL FOR NO KEY UPDATE`,
        [eventId],
      );
      if (!events[0]) return [404, { code: 'not_found' }] as const;
      if (events[0].closed) return [409, { code: events[0].closed }] as const;
      const { rows: prev } = await client.query('SELECT status FROM event_rsvps WHERE event_id = $1 AND user_id = $2', [eventId, actorId]);
      const from: string | null = prev[0]?.status ?? null;
      let to = status;
      let counts = { attending_count: events[0].attending_count, waitlist_count: events[0].waitlist_count };
      const move = async (text: string) => {
        const { rows } = await client.query(text, [eventId]);
        if (rows[0]) counts = rows[0];
        return rows[0];
      };
      const RET = 'RETURNING attending_count, waitlist_count';
      if (to === 'attending' && (from === 'attending' || from === 'waitlisted')) to = from;
      else if (to === 'attending') {
        const seat = await move(
          `UPDATE events SET attending_count = attending_count + 1 WHERE id = $1 AND (max_attendees IS NULL OR attending_count < max_attendees) ${RET}`,
        );
        if (!seat) {
          if (!events[0].waitlist_enabled) return [409, { code: 'capacity_full' }] as const;
          to = 'waitlisted';
          await move(`UPDATE events SET waitlist_count = waitlist_count + 1 WHERE id = $1 ${RET}`);
        }
      } else if (from === 'attending') await move(`UPDATE events SET attending_count = attending_count - 1 WHERE id = $1 ${RET}`);
      else if (from === 'waitlisted') await move(`UPDATE events SET waitlist_count = waitlist_count - 1 WHERE id = $1 ${RET}`);
      const keep = to === 'waitlisted' && from === 'waitlisted';
      const seq = to === 'waitlisted' && !keep ? "nextval('event_waitlist_seq')" : 'NULL';
      const now = new Date();
      const { rows: answer } = await client.query(
        `INSERT INTO event_rsvps (event_id, user_id, status, rsvp_date, waitlist_seq) VALUES ($1, $2, $3, $4, ${seq})
         ON CONFLICT (event_id, user_id) DO UPDATE SET status = $3, rsvp_date = $4${keep ? '' : `, waitlist_seq = ${seq}`}
         RETURNING rsvp_date, waitlist_seq`,
        [eventId, actorId, to, now],
      );
      if (from === 'attending' && to !== 'attending') {
        // (the bench's events have no waitlist to promote; the statement still runs, as in Cohort)
        const promoted = await client.query(
          `UPDATE events SET attending_count = attending_count + 1, waitlist_count = waitlist_count - 1
            WHERE id = $1 AND waitlist_count > 0 AND (max_attendees IS NULL OR attending_count < max_attendees) RETURNING id`,
          [eventId],
        );
        if (promoted.rowCount) throw new Error('the floor does not promote (the bench has no waitlisted answers on these events)');
      }
      let position: number | null = null;
      if (to === 'waitlisted') {
        const { rows } = await client.query(
          `SELECT count(*)::int AS position FROM event_rsvps WHERE event_id = $1 AND status = 'waitlisted' AND waitlist_seq <= $2`,
          [eventId, answer[0].waitlist_seq],
        );
        position = rows[0].position;
      }
      await client.query('COMMIT');
      committed = true;
      return [
        200,
        { event_id: eventId, user_id: actorId, status: to, rsvp_date: answer[0].rsvp_date, waitlist_position: position, ...counts },
      ] as const;
    } finally {
      if (!committed) await client.query('ROLLBACK').catch(() => {});
      client.release();
    }
  }

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://floor');
      const actor = await authenticate(req);
      if (!actor) return send(res, 401, { code: 'unauthenticated' });
      if (req.method === 'GET' && url.pathname === '/api/events') return send(res, 200, await listEvents(actor.id, url.searchParams));
      const match = /^\/api\/events\/([0-9a-f-]{36})\/rsvp$/.exec(url.pathname);
      if (req.method === 'POST' && match) {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const [status, answer] = await rsvp(actor.id, match[1], body.status);
        return send(res, status, answer);
      }
      send(res, 404, { code: 'not_found' });
    } catch (err) {
      send(res, 500, { code: 'internal', detail: String(err) });
    }
  });
  server.listen(port, '127.0.0.1', () => log(`floor listening on ${port}`));
}

// ---------------------------------------------------------------------------------------------
// The driver

async function seed(databaseUrl: string, eventCount: number, rsvpCount: number) {
  const { runMigrations } = await import('../src/db/migrate.js');
  const { hashPassword } = await import('../src/modules/auth/auth.password.js');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  await runMigrations(pool);
  const perEvent = Math.max(1, Math.round(rsvpCount / eventCount));
  const userCount = Math.max(1000, perEvent * 101 + 1000);
  const hash = await hashPassword(PASSWORD);
  const t0 = Date.now();
  await pool.query(
    `INSERT INTO users (email, name, role, password_hash, is_verified)
     SELECT 'member' || g || '@bench.example.com', 'Bench Member ' || g, (ARRAY['alumni','student','faculty','student'])[1 + g % 4], $1, true
       FROM generate_series(1, $2) g`,
    [hash, userCount],
  );
  // Start dates spread over ±180 days (half upcoming), types, places, capacity and virtual-ness cycle.
  await pool.query(
    `WITH u AS (SELECT id, row_number() OVER (ORDER BY email) AS rn FROM users)
     INSERT INTO events (title, description, event_type, location, is_virtual, meeting_link, start_date, end_date, timezone,
                         max_attendees, waitlist_enabled, created_by)
     SELECT 'Event ' || g || ' ' || (ARRAY['Careers in Data','Founders Panel','Resume Clinic','Cloud Workshop','Networking Night'])[1 + g % 5],
            'A bench event number ' || g || ' with a description long enough to be realistic for discovery and search.',
            (ARRAY['reunion','webinar','workshop','networking','career_fair','meetup','other'])[1 + g % 7],
            CASE WHEN g % 3 = 0 THEN NULL ELSE (ARRAY['Main Auditorium, Pune','Alumni Lounge, Bangalore','Rooftop Cafe, Mumbai','Campus Lawn'])[1 + g % 4] END,
            g % 3 = 0, CASE WHEN g % 3 = 0 THEN 'https://meet.example.com/' || g END,
            now() + make_interval(days => (g % 360) - 180, hours => g % 24), now() + make_interval(days => (g % 360) - 180, hours => g % 24 + 2),
            'Asia/Kolkata', CASE WHEN g % 5 < 2 THEN ${perEvent + 30} END, g % 2 = 0, u.id
       FROM generate_series(1, $1) g JOIN u ON u.rn = 1 + g % 1000`,
    [eventCount],
  );
  await pool.query(
    `WITH e AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM events), u AS (SELECT id, row_number() OVER (ORDER BY email) - 1 AS rn FROM users)
     INSERT INTO event_rsvps (event_id, user_id, status, rsvp_date)
     SELECT e.id, u.id, CASE WHEN k % 5 = 4 THEN 'maybe' WHEN k % 7 = 6 THEN 'not_attending' ELSE 'attending' END, now() - make_interval(mins => k)
       FROM e CROSS JOIN generate_series(0, $1 - 1) k JOIN u ON u.rn = (e.rn * 37 + k * 101) % $2`,
    [perEvent, userCount],
  );
  await pool.query(
    `UPDATE events e SET attending_count = c.n FROM (SELECT event_id, count(*)::int AS n FROM event_rsvps WHERE status = 'attending' GROUP BY event_id) c WHERE c.event_id = e.id`,
  );
  await pool.query('ANALYZE');
  const { rows } = await pool.query(
    `SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM event_rsvps) AS rsvps, (SELECT count(*)::int FROM users) AS users`,
  );
  log(`seeded ${JSON.stringify(rows[0])} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { pool, userCount };
}

/** A child process; resolves once its output matches `ready` (at once when null: the caller polls it). */
function startChild(args: string[], env: Record<string, string>, ready: RegExp | null, nodeFlags: string[] = []) {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise<ChildProcess>((resolve, reject) => {
    if (!ready) resolve(child);
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready?.test(output)) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      if (code) log(`${args.join(' ')} exited with ${code}: ${output.slice(-2000)}`);
      reject(new Error(`${args.join(' ')} exited with ${code}`));
    });
  });
}

async function waitForHttp(url: string) {
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(url).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

async function loginAll(base: string, emails: string[]) {
  const tokens: string[] = [];
  for (let i = 0; i < emails.length; i += 8) {
    const batch = await Promise.all(
      emails.slice(i, i + 8).map(async (email) => {
        const res = await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: PASSWORD }),
        });
        if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
        return ((await res.json()) as { access_token: string }).access_token;
      }),
    );
    tokens.push(...batch);
  }
  return tokens;
}

async function measure(name: string, base: string, requests: Request[], options: { duration: number; connections: number }) {
  const result = await autocannon({
    url: base,
    connections: options.connections,
    duration: options.duration,
    // Each connection walks the request list from its own offset, so users and events spread out.
    setupClient: (() => {
      let offset = 0;
      return (client: { setRequests(r: Request[]): void }) => {
        const start = (offset++ * 7919) % requests.length;
        client.setRequests([...requests.slice(start), ...requests.slice(0, start)]);
      };
    })(),
    requests,
  });
  const bad = Object.entries(result.statusCodeStats).filter(([code]) => code !== '200');
  log(
    `${name}: ${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms${bad.length ? `, non-200: ${JSON.stringify(Object.fromEntries(bad))}` : ''}${result.errors ? `, errors ${result.errors}` : ''}`,
  );
  return result.requests.average;
}

async function main() {
  const { values } = parseArgs({
    options: {
      floor: { type: 'boolean', default: false },
      port: { type: 'string' },
      events: { type: 'string', default: '20000' },
      rsvps: { type: 'string', default: '500000' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '16' },
      database: { type: 'string' },
    },
  });
  if (values.floor) return serveFloor(Number(values.port), values.database!);

  const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `cohort_events_bench_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const databaseUrl = Object.assign(new URL(serverUrl), { pathname: `/${dbName}` }).toString();
  const children: ChildProcess[] = [];
  let pool: pg.Pool | undefined;
  try {
    const seeded = await seed(databaseUrl, Number(values.events), Number(values.rsvps));
    pool = seeded.pool;
    const cohortPort = 39_000 + Math.floor(Math.random() * 1000);
    const floorPort = cohortPort + 1;
    children.push(
      await startChild(
        ['src/server.ts'],
        {
          DATABASE_URL: databaseUrl,
          PORT: String(cohortPort),
          HOST: '127.0.0.1',
          JWT_SECRET,
          LOG_LEVEL: 'warn',
          DATA_DIR: `/tmp/${dbName}`,
          RATE_LIMIT_GLOBAL_PER_MINUTE: '100000000',
          RATE_LIMIT_LOGIN_IP_PER_MINUTE: '100000000',
          RATE_LIMIT_AUTH_IP_PER_MINUTE: '100000000',
        },
        null,
        process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
      ),
    );
    const cohort = `http://127.0.0.1:${cohortPort}`;
    await waitForHttp(`${cohort}/api/health`);
    children.push(
      await startChild(['bench/events.bench.ts', '--floor', '--port', String(floorPort), '--database', databaseUrl], {}, /floor listening/),
    );
    const floor = `http://127.0.0.1:${floorPort}`;

    const emails = Array.from({ length: 300 }, (_, i) => `member${i + 1}@bench.example.com`);
    const tokens = await loginAll(cohort, emails);
    const readers = tokens.slice(0, 50);
    const options = { duration: Number(values.duration), connections: Number(values.connections) };

    // GET /api/events: upcoming, with the filters a client combines.
    const filters = [
      '',
      'event_type=webinar',
      'is_virtual=false&event_type=workshop',
      'location=pune',
      'event_type=meetup&is_virtual=true',
      'limit=50',
    ];
    const listRequests: Request[] = filters.flatMap((f, i) =>
      readers.slice(0, 10).map((token, j) => ({
        method: 'GET',
        path: `/api/events${f ? `?${f}` : ''}`,
        headers: { authorization: `Bearer ${tokens[(i * 10 + j) % readers.length] ?? token}` },
      })),
    );
    // RSVP: uncapped upcoming events without a deadline; answers alternate so counters move on every request.
    const { rows: targets } = await pool.query(
      `SELECT id FROM events WHERE max_attendees IS NULL AND start_date > now() + interval '2 days' ORDER BY id LIMIT 500`,
    );
    const rsvpRequests: Request[] = Array.from({ length: 4000 }, (_, k) => ({
      method: 'POST',
      path: `/api/events/${targets[(k * 7) % targets.length].id}/rsvp`,
      headers: { authorization: `Bearer ${tokens[50 + (k % 200)]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: ['attending', 'maybe', 'not_attending'][Math.floor(k / 200) % 3] }),
    }));

    const figures: Record<string, { cohort: number; floor: number }> = {};
    for (const [name, requests] of [
      ['GET /api/events', listRequests],
      ['POST /api/events/{id}/rsvp', rsvpRequests],
    ] as const) {
      await measure(`${name} (warm-up)`, cohort, requests, { ...options, duration: 3 });
      await measure(`${name} floor (warm-up)`, floor, requests, { ...options, duration: 3 });
      const floorRps = await measure(`${name} floor`, floor, requests, options);
      const cohortRps = await measure(`${name} cohort`, cohort, requests, options);
      figures[name] = { cohort: cohortRps, floor: floorRps };
    }

    // 200 simultaneous RSVPs for 50 seats.
    const hostToken = tokens[3]; // member4 is an alumnus (member g has role g % 4: alumni, student, faculty, student)
    const start = new Date(Date.now() + 5 * 86_400_000);
    const created = await fetch(`${cohort}/api/events/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hostToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Fifty seats',
        description: 'Capacity check',
        event_type: 'workshop',
        location: 'Lab 1',
        start_date: start.toISOString(),
        end_date: new Date(start.getTime() + 3600_000).toISOString(),
        max_attendees: 50,
        waitlist_enabled: true,
      }),
    });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
    const event = (await created.json()) as { id: string };
    const crowd = tokens.slice(100, 300);
    const answers = await Promise.all(
      crowd.map((token) =>
        fetch(`${cohort}/api/events/${event.id}/rsvp`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{"status":"attending"}',
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { status: string; waitlist_position: number | null } })),
      ),
    );
    const { rows: check } = await pool.query(
      `SELECT e.attending_count, e.waitlist_count,
              (SELECT count(*)::int FROM event_rsvps WHERE event_id = e.id AND status = 'attending') AS attending,
              (SELECT count(*)::int FROM event_rsvps WHERE event_id = e.id AND status = 'waitlisted') AS waitlisted,
              (SELECT bool_and(ordered) FROM (SELECT rsvp_date >= lag(rsvp_date) OVER (ORDER BY waitlist_seq) IS NOT FALSE AS ordered
                 FROM event_rsvps WHERE event_id = e.id AND status = 'waitlisted') x) AS seq_follows_arrival
         FROM events e WHERE e.id = $1`,
      [event.id],
    );
    const positions = answers
      .filter((a) => a.body.status === 'waitlisted')
      .map((a) => a.body.waitlist_position!)
      .sort((a, b) => a - b);
    const capacity = {
      ok_responses: answers.filter((a) => a.status === 200).length,
      attending: check[0].attending,
      waitlisted: check[0].waitlisted,
      counters_match: check[0].attending === check[0].attending_count && check[0].waitlisted === check[0].waitlist_count,
      positions_1_to_150: positions.length === 150 && positions.every((p, i) => p === i + 1),
      waitlist_order_is_arrival_order: check[0].seq_follows_arrival,
    };
    log(`200 simultaneous RSVPs for 50 seats: ${JSON.stringify(capacity)}`);

    const summary = Object.fromEntries(
      Object.entries(figures).map(([name, f]) => [
        name,
        { cohort_rps: Math.round(f.cohort), floor_rps: Math.round(f.floor), ratio: Math.round((f.cohort / f.floor) * 100) / 100 },
      ]),
    );
    console.log(JSON.stringify({ events: Number(values.events), rsvps: Number(values.rsvps), ...options, summary, capacity }, null, 2));
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    pool?.on('error', () => {}); // DROP … WITH (FORCE) below may end its idle connections first
    await pool?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((err) => log(`drop: ${err}`));
    await admin.end();
  }
}

await main();
