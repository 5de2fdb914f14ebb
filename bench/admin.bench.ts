/**
 * Issue 15 bench, standalone (imports nothing from bench/lib.ts and is not part of bench/run.ts):
 *
 *   node --import tsx bench/admin.bench.ts
 *
 * Seeds ADMIN_BENCH_PROFILES (100,000) members with profiles and a year of activity (jobs,
 * applications, sign-ins and token refreshes) into a fresh database on the machine's PostgreSQL,
 * starts Cohort (src/server.ts) and a floor (this file with `floor`: plain node:http + pg, the same
 * token check and the same SQL, cached for the same time as Cohort caches), loads the dashboard
 * metrics and a few analytics endpoints on each with autocannon, and times the uncached geocoding
 * of every profile's location. Knobs (env): ADMIN_BENCH_DATABASE_URL (a server URL; default
 * postgres://postgres@127.0.0.1:5432/postgres), ADMIN_BENCH_PROFILES, ADMIN_BENCH_SECONDS (10),
 * ADMIN_BENCH_CONNECTIONS (10).
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import pg from 'pg';
import { runMigrations } from '../src/db/migrate.js';
import { metricSources } from '../src/modules/admin/dashboard.service.js';
import { createGeocoder, geocodeCached } from '../src/modules/admin/geocode.js';
import { verifyAccessToken } from '../src/modules/auth/auth.tokens.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const JWT_SECRET = 'admin-bench-secret-that-is-long-enough-0123456789';
const ADMIN = { email: 'bench-admin@example.com', password: 'Bench-admin-42-password' };
const env = (name: string, fallback: string) => process.env[name] ?? fallback;

// ---------------------------------------------------------------------------------------------
// The SQL both servers run (Cohort through its services; the floor as plain pg queries)

/** The dashboard's queries, captured from Cohort's own metric sources so the floor runs the very same text. */
async function capturedMetricQueries() {
  const dialect = new PgDialect();
  const perSource: { text: string; values: unknown[] }[][] = [];
  for (const source of metricSources) {
    const queries: { text: string; values: unknown[] }[] = [];
    const capture = {
      execute: async (query: SQL) => {
        const { sql, params } = dialect.sqlToQuery(query);
        queries.push({ text: sql, values: params });
        return { rows: [{}] };
      },
    };
    await source.figures(capture as never);
    perSource.push(queries);
  }
  return perSource;
}

// As in src/modules/admin/analytics.service.ts (listed profiles; setting "verified alumni only" off).
const LISTED = `p.directory_visible AND NOT p.owner_deleted`;
const SKILLS_SQL = `WITH spellings AS (
    SELECT s, count(*)::int AS n FROM profiles p CROSS JOIN LATERAL unnest(p.skills) AS s WHERE ${LISTED} GROUP BY s)
  SELECT (array_agg(s ORDER BY n DESC, s COLLATE "C"))[1] AS value, sum(n)::int AS count
  FROM spellings GROUP BY lower(s) ORDER BY count DESC, lower(s) COLLATE "C" LIMIT 1000`;
const LOCATIONS_SQL = `SELECT p.location, count(*)::int AS count FROM profiles p WHERE ${LISTED} GROUP BY p.location`;
const ENGAGEMENT_SQL = `WITH a AS (
    SELECT s.user_id, s.created_at AS at FROM sessions s WHERE s.created_at > now() - make_interval(days => 30)
    UNION ALL
    SELECT s.user_id, r.created_at FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.created_at > now() - make_interval(days => 30))
  SELECT count(DISTINCT user_id) FILTER (WHERE at > now() - interval '1 day')::int AS dau,
         count(DISTINCT user_id) FILTER (WHERE at > now() - interval '7 days')::int AS wau,
         count(DISTINCT user_id) FILTER (WHERE at > now() - interval '30 days')::int AS mau,
         (SELECT count(*)::int FROM users WHERE status = 'active') AS active_accounts
  FROM a`;
const ENGAGEMENT_DAILY_SQL = `WITH a AS (
    SELECT s.user_id, s.created_at AS at FROM sessions s WHERE s.created_at > now() - make_interval(days => 30)
    UNION ALL
    SELECT s.user_id, r.created_at FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.created_at > now() - make_interval(days => 30)),
  days AS (SELECT generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => 29), date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS day),
  counts AS (SELECT date_trunc('day', at AT TIME ZONE 'UTC') AS day, count(DISTINCT user_id)::int AS count FROM a GROUP BY 1)
  SELECT to_char(d.day, 'YYYY-MM-DD') AS day, coalesce(c.count, 0)::int AS count FROM days d LEFT JOIN counts c ON c.day = d.day ORDER BY d.day`;
const AUTH_SQL = `SELECT u.id, u.email, u.name, u.role, u.is_verified, u.status, u.last_login_at, u.created_at, u.updated_at
  FROM sessions s JOIN users u ON u.id = s.user_id
  WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active'`;

// ---------------------------------------------------------------------------------------------
// The floor: node:http + pg, the same token check, SQL and cache lifetimes, nothing else

async function floor() {
  const pool = new pg.Pool({ connectionString: process.env.FLOOR_DATABASE_URL, max: Number(env('DB_POOL_SIZE', '20')) });
  const key = new TextEncoder().encode(JWT_SECRET);
  const metricQueries = await capturedMetricQueries();
  const cache = new Map<string, { value: unknown; expires: number }>();
  const cached = async (name: string, seconds: number, compute: () => Promise<unknown>) => {
    const hit = cache.get(name);
    if (hit && hit.expires > Date.now()) return hit.value;
    const value = await compute();
    cache.set(name, { value, expires: Date.now() + seconds * 1000 });
    return value;
  };
  const routes: Record<string, { roles: string[]; handle: () => Promise<unknown> }> = {
    '/api/admin/dashboard/metrics': {
      roles: ['admin'],
      handle: () =>
        cached('metrics', 5, async () => {
          const rows = await Promise.all(
            metricQueries.map(async (queries) => {
              const out = [];
              for (const q of queries) out.push((await pool.query(q.text, q.values)).rows[0]);
              return out;
            }),
          );
          return { generated_at: new Date().toISOString(), metrics: rows.flat() };
        }),
    },
    '/api/analytics/skills': {
      roles: ['admin', 'faculty'],
      handle: async () => ({
        results: ((await cached('skills', 10, async () => (await pool.query(SKILLS_SQL)).rows)) as unknown[]).slice(0, 20),
      }),
    },
    '/api/analytics/locations': {
      roles: ['admin', 'faculty'],
      handle: () =>
        cached('locations', 10, async () => {
          const byCity = new Map<number, { city: string; country: string; latitude: number; longitude: number; count: number }>();
          let unknown = 0;
          for (const row of (await pool.query(LOCATIONS_SQL)).rows as { location: string | null; count: number }[]) {
            const result = row.location ? geocodeCached(row.location) : { status: 'unknown' as const };
            if (result.status !== 'resolved') unknown += row.count;
            else {
              const g = byCity.get(result.city.id);
              if (g) g.count += row.count;
              else
                byCity.set(result.city.id, {
                  city: result.city.name,
                  country: result.city.country,
                  latitude: result.city.lat,
                  longitude: result.city.lon,
                  count: row.count,
                });
            }
          }
          return { results: [...byCity.values()].sort((a, b) => b.count - a.count), unknown };
        }),
    },
    '/api/analytics/engagement': {
      roles: ['admin', 'faculty'],
      handle: () =>
        cached('engagement', 10, async () => {
          const [totals, daily] = await Promise.all([pool.query(ENGAGEMENT_SQL), pool.query(ENGAGEMENT_DAILY_SQL)]);
          return { ...totals.rows[0], daily: daily.rows };
        }),
    },
  };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = createHttpServer(async (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (req.url === '/__floor') return send(res, 200, { floor: true });
      const route = routes[(req.url ?? '').split('?')[0]];
      if (!route) return send(res, 404, { status: 404 });
      const token = req.headers.authorization?.split(' ')[1];
      if (!token) return send(res, 401, { status: 401 });
      const claims = await verifyAccessToken(key, token);
      const { rows } = await pool.query({ name: 'auth-session', text: AUTH_SQL, values: [claims.sessionId, claims.userId] });
      if (!rows[0]) return send(res, 401, { status: 401 });
      if (!route.roles.includes(rows[0].role)) return send(res, 403, { status: 403 });
      send(res, 200, await route.handle());
    } catch (err) {
      send(res, 500, { status: 500, detail: String(err) });
    }
  });
  server.listen(Number(process.env.FLOOR_PORT), '127.0.0.1');
}

// ---------------------------------------------------------------------------------------------
// The data set

const LOCATIONS = [
  'Pune, India',
  'Bangalore, India',
  'Mumbai, India',
  'Hyderabad, India',
  'Chennai, India',
  'Delhi, India',
  'Kolkata, India',
  'Noida, India',
  'Gurgaon, India',
  'Ahmedabad, India',
  'London, United Kingdom',
  'Berlin, Germany',
  'San Francisco, USA',
  'Seattle, WA, USA',
  'Austin, TX, USA',
  'New York, USA',
  'Toronto, Canada',
  'Singapore',
  'Dubai, UAE',
  'Sydney, Australia',
  'Tokyo, Japan',
  'Paris, France',
  'Amsterdam, Netherlands',
  'Zurich, Switzerland',
  'Springfield',
  'Paris',
  'Hyderabad',
  'Remote',
  'Bay Area',
  'pune',
  'BANGALORE',
  'Munich, Germany',
  'Dublin, Ireland',
  'Boston, MA, USA',
];
const SKILLS = [
  'Python',
  'SQL',
  'Java',
  'JavaScript',
  'Excel',
  'Communication',
  'Leadership',
  'C++',
  'Machine Learning',
  'React',
  'AWS',
  'TypeScript',
  'Docker',
  'Go',
  'Rust',
  'Figma',
  'Marketing',
  'Sales',
  'AutoCAD',
  'Embedded Systems',
];
const COMPANIES = [
  'Tata Consultancy Services',
  'Infosys',
  'Wipro',
  'Accenture',
  'Google',
  'Microsoft',
  'Amazon',
  'IBM',
  'Flipkart',
  'Zoho',
  'Swiggy',
  'Deloitte',
  'Blue Labs',
  'Nova Systems',
  'Peak Analytics',
];

async function seed(pool: pg.Pool, profiles: number) {
  const q = (text: string, values: unknown[] = []) => pool.query(text, values);
  await q(
    `INSERT INTO users (email, name, role, is_verified, created_at)
    SELECT 'bench' || i || '@example.com', 'Bench Member ' || i,
      (ARRAY['alumni','alumni','alumni','alumni','student','student','faculty','recruiter'])[1 + i % 8], i % 10 <> 0,
      now() - make_interval(days => i % 365, mins => i % 1440)
    FROM generate_series(1, $1::int) i`,
    [profiles],
  );
  await q(
    `INSERT INTO profiles (user_id, name, location, current_company, batch_year, skills, skills_lower, directory_visible,
      is_verified, verification_status, verified_at, search_text)
    SELECT u.id, u.name, CASE WHEN n % 13 = 0 THEN NULL ELSE ($2::text[])[1 + n % array_length($2::text[], 1)] END,
      ($3::text[])[1 + (n * 7) % array_length($3::text[], 1)], 1990 + n % 36,
      -- Three different skills (offsets 0, 1–9, 10–18), as the API would store them.
      ARRAY[($4::text[])[1 + n % 20], ($4::text[])[1 + (n + 1 + (n / 20) % 9) % 20], ($4::text[])[1 + (n + 10 + (n / 7) % 9) % 20]],
      ARRAY[lower(($4::text[])[1 + n % 20]), lower(($4::text[])[1 + (n + 1 + (n / 20) % 9) % 20]), lower(($4::text[])[1 + (n + 10 + (n / 7) % 9) % 20])],
      n % 20 <> 0, n % 3 = 0, CASE WHEN n % 3 = 0 THEN 'verified' ELSE 'unverified' END,
      CASE WHEN n % 3 = 0 THEN u.created_at + interval '1 day' END, lower(u.name)
    FROM (SELECT id, name, created_at, row_number() OVER (ORDER BY email) AS n FROM users WHERE email LIKE 'bench%') u
    WHERE u.n <= $1`,
    [profiles, LOCATIONS, COMPANIES, SKILLS],
  );
  await q(`INSERT INTO profile_verification_requests (user_id, source, requested_at)
    SELECT p.user_id, 'member', now() - make_interval(hours => n::int) FROM
      (SELECT user_id, row_number() OVER () AS n FROM profiles WHERE verification_status = 'unverified' LIMIT 1000) p`);
  await q(
    `UPDATE profiles SET verification_status = 'pending' WHERE user_id IN (SELECT user_id FROM profile_verification_requests WHERE status = 'pending')`,
  );
  // A year of activity: 5,000 jobs, 30,000 applications, 200,000 sign-ins and as many token refreshes.
  await q(
    `INSERT INTO jobs (title, description, company, location, job_type, posted_by, status, created_at)
    SELECT 'Bench job ' || i, 'Work.', ($1::text[])[1 + i % array_length($1::text[], 1)], 'Pune, India',
      (ARRAY['full_time','part_time','internship','contract','remote'])[1 + i % 5],
      (SELECT id FROM users WHERE role = 'alumni' LIMIT 1), CASE WHEN i % 4 = 0 THEN 'closed' ELSE 'active' END,
      now() - make_interval(days => i % 365)
    FROM generate_series(1, 5000) i`,
    [COMPANIES],
  );
  await q(`INSERT INTO job_applications (job_id, applicant_id, cv_key, applied_at)
    SELECT j.id, u.id, 'cvs/bench.pdf', j.created_at + interval '2 days'
    FROM (SELECT id, row_number() OVER (ORDER BY email) AS n FROM users WHERE role = 'student' LIMIT 30000) u
    JOIN (SELECT id, created_at, row_number() OVER (ORDER BY id) AS n FROM jobs) j ON j.n = 1 + (u.n * 7) % 5000`);
  await q(`INSERT INTO sessions (user_id, created_at, expires_at)
    SELECT u.id, t, t + interval '30 days'
    FROM (SELECT id, row_number() OVER (ORDER BY email) AS n FROM users) u
    CROSS JOIN LATERAL (SELECT now() - make_interval(days => ((u.n * 37 + k * 101) % 365)::int, mins => k * 17) AS t FROM generate_series(1, 2) k) s`);
  await q(`INSERT INTO refresh_tokens (token_hash, session_id, created_at)
    SELECT md5(id::text), id, created_at + interval '15 minutes' FROM sessions`);
  // Vacuumed too, so autovacuum does not wake up on the fresh tables in the middle of a measurement.
  await q(`VACUUM ANALYZE`);
}

// ---------------------------------------------------------------------------------------------
// Running it

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

async function startProcess(name: string, args: string[], extraEnv: Record<string, string>, port: number, probePath: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}${probePath}`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill();
  throw new Error(`${name} did not start`);
}

const timed = async <T>(fn: () => Promise<T> | T) => {
  const start = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - start) };
};

async function load(url: string, path: string, token: string, seconds: number, connections: number) {
  const result = await autocannon({ url: `${url}${path}`, connections, duration: seconds, headers: { authorization: `Bearer ${token}` } });
  const failed = result.non2xx + result.errors;
  // Reported, not thrown: a loaded shared machine can time a request out; the table says how many.
  if (failed) console.error(`${url}${path}: ${result.non2xx} non-2xx, ${result.errors} errors ${JSON.stringify(result.statusCodeStats)}`);
  return { rps: Math.round(result.requests.average), p99: result.latency.p99, failed };
}

async function main() {
  const serverUrl = env('ADMIN_BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/postgres');
  const profiles = Number(env('ADMIN_BENCH_PROFILES', '100000'));
  const seconds = Number(env('ADMIN_BENCH_SECONDS', '10'));
  const connections = Number(env('ADMIN_BENCH_CONNECTIONS', '10'));
  const dbName = 'cohort_admin_bench';
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const dataDir = await mkdtemp(join(tmpdir(), 'cohort-admin-bench-'));
  const children: ChildProcess[] = [];
  try {
    await runMigrations(pool);
    const seeded = await timed(() => seed(pool, profiles));
    console.error(`seeded ${profiles} profiles and a year of activity in ${seeded.ms} ms`);

    // Uncached work, once each, on the seeded data.
    const metricQueries = await capturedMetricQueries();
    const uncached: Record<string, number> = {};
    uncached.metrics = (
      await timed(() =>
        Promise.all(
          metricQueries.map(async (qs) => {
            for (const q of qs) await pool.query(q.text, q.values);
          }),
        ),
      )
    ).ms;
    uncached.skills = (await timed(() => pool.query(SKILLS_SQL))).ms;
    uncached.locations_sql = (await timed(() => pool.query(LOCATIONS_SQL))).ms;
    uncached.engagement = (await timed(() => Promise.all([pool.query(ENGAGEMENT_SQL), pool.query(ENGAGEMENT_DAILY_SQL)]))).ms;

    // Geocoding every profile's location, with no result cache.
    const { rows } = await pool.query<{ location: string | null }>(`SELECT location FROM profiles`);
    const build = await timed(() => createGeocoder());
    const geocoder = build.value;
    let resolved = 0;
    const run = await timed(() => {
      for (const r of rows) if (geocoder.geocode(r.location).status === 'resolved') resolved++;
    });

    const cohortPort = await freePort();
    // The OS may hand out the same free port twice in a row.
    let floorPort = await freePort();
    while (floorPort === cohortPort) floorPort = await freePort();
    const common = { JWT_SECRET, DB_POOL_SIZE: '20', LOG_LEVEL: 'warn', NODE_ENV: 'production' };
    children.push(
      await startProcess(
        'cohort',
        ['src/server.ts'],
        {
          ...common,
          PORT: String(cohortPort),
          DATABASE_URL: databaseUrl,
          DATA_DIR: dataDir,
          ADMIN_EMAIL: ADMIN.email,
          ADMIN_PASSWORD: ADMIN.password,
          RATE_LIMIT_GLOBAL_PER_MINUTE: '1000000000',
          RATE_LIMIT_LOGIN_IP_PER_MINUTE: '1000000000',
          RATE_LIMIT_AUTH_IP_PER_MINUTE: '1000000000',
        },
        cohortPort,
        '/api/health',
      ),
    );
    children.push(
      await startProcess(
        'floor',
        ['bench/admin.bench.ts', 'floor'],
        { ...common, FLOOR_PORT: String(floorPort), FLOOR_DATABASE_URL: databaseUrl },
        floorPort,
        '/__floor',
      ),
    );
    const login = await fetch(`http://127.0.0.1:${cohortPort}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    const token = ((await login.json()) as { access_token: string }).access_token;

    const paths = ['/api/admin/dashboard/metrics', '/api/analytics/skills', '/api/analytics/locations', '/api/analytics/engagement'];
    const table: string[] = [
      '| endpoint | Cohort req/s | floor req/s | ratio | Cohort p99 ms (worse half) | floor p99 ms (worse half) | p99 ratio | failed (Cohort/floor) |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ];
    for (const path of paths) {
      // Warm both (fills the caches, JIT), then measure Cohort and the floor one after the other.
      await load(`http://127.0.0.1:${cohortPort}`, path, token, 2, connections);
      await load(`http://127.0.0.1:${floorPort}`, path, token, 2, connections);
      // Cohort, floor, floor, Cohort (half the time each): drift on the shared machine hits both alike.
      const half = Math.max(1, Math.round(seconds / 2));
      const c1 = await load(`http://127.0.0.1:${cohortPort}`, path, token, half, connections);
      const f1 = await load(`http://127.0.0.1:${floorPort}`, path, token, half, connections);
      const f2 = await load(`http://127.0.0.1:${floorPort}`, path, token, half, connections);
      const c2 = await load(`http://127.0.0.1:${cohortPort}`, path, token, half, connections);
      const c = { rps: Math.round((c1.rps + c2.rps) / 2), p99: Math.max(c1.p99, c2.p99), failed: c1.failed + c2.failed };
      const f = { rps: Math.round((f1.rps + f2.rps) / 2), p99: Math.max(f1.p99, f2.p99), failed: f1.failed + f2.failed };
      table.push(
        `| ${path} | ${c.rps} | ${f.rps} | ${(c.rps / f.rps).toFixed(2)} | ${c.p99} | ${f.p99} | ${(c.p99 / Math.max(f.p99, 1)).toFixed(2)} | ${c.failed}/${f.failed} |`,
      );
    }
    console.log(`\n## Admin console bench (${profiles} profiles, ${seconds} s per run, ${connections} connections)\n`);
    console.log(table.join('\n'));
    console.log(`\nUncached single computations (ms): ${JSON.stringify(uncached)}`);
    console.log(
      `Geocoding ${rows.length} profile locations without a result cache: ${run.ms} ms (${resolved} resolved), plus ${build.ms} ms once per process to load and index the world-cities table (${geocoder.cities} names).`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await pool.end();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'floor') await floor();
else await main();
