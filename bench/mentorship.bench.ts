/**
 * Issue 12 (mentorship): `GET /api/mentors` (filtered) and `POST /api/mentorship/match-suggestions`
 * over MENTORSHIP_BENCH_PROFILES profiles (default 100,000) and MENTORSHIP_BENCH_MENTORS mentors
 * (default 5,000), each beside a floor: plain node:http + pg running the same SQL.
 *
 * Standalone on purpose (its own helpers; nothing from bench/lib.ts):
 *   node --import tsx bench/mentorship.bench.ts
 * Needs a PostgreSQL server (MENTORSHIP_BENCH_PG, default the machine's postgres://postgres@127.0.0.1:5432);
 * it creates and drops the database `cohort_bench_mentorship`.
 * Knobs: MENTORSHIP_BENCH_DURATION (s, default 10), MENTORSHIP_BENCH_CONNECTIONS (default 16),
 * MENTORSHIP_BENCH_KEEP=1 keeps the database afterwards (for EXPLAIN).
 *
 * The floor's SQL mirrors mentors.service.ts (LIST_COLUMNS, listFrom, listConditions, the cached count) and takes
 * the ranking statement itself from matching.service.ts (rankingSql), plus the cards query.
 */
import autocannon, { type Request as LoadRequest } from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { hashPassword } from '../src/modules/auth/auth.password.js';
import { verifyAccessToken } from '../src/modules/auth/auth.tokens.js';
import { rankingSql } from '../src/modules/mentorship/matching.service.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const int = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PROFILES = int('MENTORSHIP_BENCH_PROFILES', 100_000);
const MENTORS = int('MENTORSHIP_BENCH_MENTORS', 5_000);
const DURATION = int('MENTORSHIP_BENCH_DURATION', 10);
const CONNECTIONS = int('MENTORSHIP_BENCH_CONNECTIONS', 16);
const SERVER_URL = process.env.MENTORSHIP_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'cohort_bench_mentorship';
const DB_URL = (() => {
  const u = new URL(SERVER_URL);
  u.pathname = `/${DB}`;
  return u.toString();
})();
const JWT_SECRET = 'mentorship-bench-secret-0123456789abcdefghijklmnop';
const PASSWORD = 'Bench-member-password-42';
const POOL = 10;

// ---------------------------------------------------------------------------------------------
// The floor (run as a child: `mentorship.bench.ts floor <port>`)

const MENTOR_CARD = `SELECT m.user_id AS mentor_id, u.name, u.role, m.is_available, m.expertise_areas, m.max_mentees,
  m.current_mentees_count, (m.current_mentees_count < m.max_mentees) AS has_capacity, m.rating, m.rating_count AS ratings_count,
  m.total_sessions, m.bio, m.availability, p.department, p.current_company, p.location, coalesce(p.skills, '{}'::text[]) AS skills,
  m.created_at, m.updated_at
  FROM mentor_profiles m JOIN users u ON u.id = m.user_id
  LEFT JOIN profiles p ON p.user_id = m.user_id AND ((p.directory_visible AND NOT p.owner_deleted) OR p.user_id = $1::uuid OR FALSE)`;

async function serveFloor(port: number) {
  const pool = new pg.Pool({ connectionString: DB_URL, max: POOL });
  const key = new TextEncoder().encode(JWT_SECRET);
  const dialect = new PgDialect();
  const counts = new Map<string, { count: number; expires: number }>();
  const actorOf = async (req: IncomingMessage) => {
    const claims = await verifyAccessToken(key, (req.headers.authorization ?? '').slice(7));
    const { rows } = await pool.query({
      name: 'auth-session',
      text: `SELECT u.id, u.role FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active'`,
      values: [claims.sessionId, claims.userId],
    });
    return rows[0] as { id: string; role: string };
  };
  const list = async (actor: { id: string }, url: URL) => {
    const where = [`(SELECT x.status FROM users x WHERE x.id = m.user_id) = 'active'`];
    const values: unknown[] = [actor.id];
    if (url.searchParams.get('available_only') !== 'false') where.push('m.is_available');
    const expertise = (url.searchParams.get('expertise') ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    if (expertise.length) where.push(`m.expertise_lower && $${values.push(expertise)}::text[]`);
    const minRating = url.searchParams.get('min_rating');
    if (minRating) where.push(`coalesce(m.rating, 0) >= $${values.push(Number(minRating))}`);
    const q = url.searchParams.get('q');
    if (q) where.push(`(SELECT x.name FROM users x WHERE x.id = m.user_id) ILIKE $${values.push(`%${q}%`)}`);
    const department = url.searchParams.get('department');
    if (department) where.push(`lower(p.department) = lower($${values.push(department)})`);
    // Counts are cached for 10 s per filter set, as Cohort does (mentors.service.ts, COUNT_TTL_SECONDS).
    const countKey = JSON.stringify([where, values.slice(1), department ? actor.id : '']);
    const cached = counts.get(countKey);
    const countQuery =
      cached && cached.expires > Date.now()
        ? Promise.resolve({ rows: [{ count: cached.count }] })
        : pool
            .query(
              `SELECT count(*)::int AS count FROM mentor_profiles m
         LEFT JOIN profiles p ON p.user_id = m.user_id AND ((p.directory_visible AND NOT p.owner_deleted) OR p.user_id = $1::uuid OR FALSE)
         WHERE ${where.join(' AND ')}`,
              values,
            )
            .then((r) => (counts.set(countKey, { count: r.rows[0].count, expires: Date.now() + 10_000 }), r));
    const [rows, count] = await Promise.all([
      pool.query(`${MENTOR_CARD} WHERE ${where.join(' AND ')} ORDER BY coalesce(m.rating, 0) DESC, m.user_id ASC LIMIT 21`, values),
      countQuery,
    ]);
    return { results: rows.rows.slice(0, 20), next_cursor: rows.rows.length > 20 ? 'x' : null, count: count.rows[0].count };
  };
  const match = async (actor: { id: string }) => {
    const query = dialect.sqlToQuery(rankingSql(actor.id, false, 10));
    const ranked = (await pool.query(query.sql, query.params)).rows;
    const cards = (await pool.query(`${MENTOR_CARD} WHERE m.user_id = ANY($2::uuid[])`, [actor.id, ranked.map((r) => r.user_id)])).rows;
    const byId = new Map(cards.map((c) => [c.mentor_id, c]));
    return {
      results: ranked.map((r) => ({
        mentor: byId.get(r.user_id),
        score: r.score,
        similarity: r.similarity,
        shared_skills: r.shared_terms ?? [],
      })),
    };
  };
  createServer(async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = new URL(req.url ?? '/', 'http://floor');
      for await (const _ of req); // drain the body
      const actor = await actorOf(req);
      const body = url.pathname === '/api/mentors' ? await list(actor, url) : await match(actor);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  }).listen(port, '127.0.0.1');
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((c) => c.kill('SIGTERM')));
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
function spawnNode(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.add(child);
  return child;
}
async function waitFor(url: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer`);
}
/** mulberry32: the same data on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SKILLS =
  `Python SQL Java JavaScript Excel Communication Leadership C++ React Node.js AWS TypeScript Docker Kubernetes Git Linux Go Rust
Kotlin Swift Scala R MATLAB Tableau Spark Kafka PostgreSQL MongoDB Redis GraphQL Django Flask Angular Figma Agile Scrum DevOps Terraform
Azure TensorFlow PyTorch NLP Statistics Airflow Snowflake Pandas NumPy LLMs MLOps Accounting Auditing Marketing SEO Sales Negotiation
Operations Logistics AutoCAD SolidWorks ANSYS VLSI Verilog FPGA IoT Robotics Revit CFD HVAC Biotechnology Genomics Research Teaching
Cybersecurity Blockchain Android iOS Flutter Unity Recruiting Payroll Compliance Consulting Strategy Entrepreneurship Fundraising`.split(
    /\s+/,
  );
const DEPARTMENTS = [
  'Computer Science',
  'Electrical Engineering',
  'Mechanical Engineering',
  'Civil Engineering',
  'Economics',
  'Physics',
  'Design',
  'Law',
];
const COMPANIES = ['Google', 'Infosys', 'TCS', 'Microsoft', 'Amazon', 'Flipkart', 'Zoho', 'Wipro', 'Accenture', 'Razorpay'];
const CITIES = ['Pune, India', 'Bengaluru, India', 'Mumbai, India', 'Hyderabad, India', 'London, UK', 'Berlin, Germany'];
const NAMES = 'Priya Rahul Ananya Arjun Sara Omar Wei Maria Kiran Tara Ravi Neha Amit Isha Kabir Zara'.split(' ');
const SURNAMES = 'Sharma Verma Iyer Nair Khan Patel Smith Chen Garcia Das Rao Joshi'.split(' ');

/** Skewed pick: low indexes are common (a few skills everyone has, a long tail). */
const skewed = <T>(r: () => number, items: T[]) => items[Math.floor(items.length * r() ** 2.2)];

async function seed(admin: pg.Client) {
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  const migrate = spawnNode(['src/cli.ts', 'migrate'], { DATABASE_URL: DB_URL, LOG_LEVEL: 'warn' });
  if ((await new Promise((r) => migrate.on('exit', r))) !== 0) throw new Error('migrate failed');
  const db = new pg.Client({ connectionString: DB_URL });
  await db.connect();
  const r = prng(20_261_130);
  const hash = await hashPassword(PASSWORD);
  const started = performance.now();
  for (let start = 0; start < PROFILES; start += 5000) {
    const rows = [];
    for (let i = start; i < Math.min(PROFILES, start + 5000); i++) {
      const skills = new Set<string>();
      const n = 3 + Math.floor(r() * 6);
      while (skills.size < n) skills.add(skewed(r, SKILLS));
      rows.push({
        index: i,
        email: `member${i}@bench.example`,
        name: `${NAMES[Math.floor(r() * NAMES.length)]} ${SURNAMES[Math.floor(r() * SURNAMES.length)]} ${i}`,
        role: i < MENTORS ? (i % 10 === 0 ? 'faculty' : 'alumni') : i % 3 === 0 ? 'student' : 'alumni',
        skills: [...skills],
        department: skewed(r, DEPARTMENTS),
        company: skewed(r, COMPANIES),
        location: skewed(r, CITIES),
        visible: r() < 0.95,
        max: 1 + Math.floor(r() * 10),
        ratings: Math.floor(r() * 8),
        rating_sum: 0,
        available: r() < 0.85,
        password_hash: i >= MENTORS && i < MENTORS + 20 ? hash : null,
      });
      const last = rows[rows.length - 1];
      last.rating_sum = Array.from({ length: last.ratings }, () => 3 + Math.floor(r() * 3)).reduce((a, b) => a + b, 0);
    }
    await db.query(
      `WITH src AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(email text, name text, role text, skills jsonb, department text,
         company text, location text, visible boolean, max int, ratings int, rating_sum int, available boolean, password_hash text)),
       u AS (INSERT INTO users (email, name, role, is_verified, password_hash) SELECT email, name, role, true, password_hash FROM src RETURNING id, email)
       INSERT INTO profiles (user_id, name, department, current_company, location, skills, skills_lower, directory_visible)
       SELECT u.id, src.name, src.department, src.company, src.location,
         ARRAY(SELECT jsonb_array_elements_text(src.skills)), ARRAY(SELECT lower(jsonb_array_elements_text(src.skills))), src.visible
       FROM src JOIN u ON u.email = src.email`,
      [JSON.stringify(rows)],
    );
    const mentors = rows.filter((x) => x.index < MENTORS);
    if (mentors.length) {
      await db.query(
        `INSERT INTO mentor_profiles (user_id, expertise_areas, expertise_lower, max_mentees, current_mentees_count, rating_sum, rating_count, is_available, bio)
         SELECT u.id, ARRAY(SELECT jsonb_array_elements_text(x.skills) LIMIT 3), ARRAY(SELECT lower(jsonb_array_elements_text(x.skills)) LIMIT 3),
           x.max, (hashtext(x.email) & 255) % x.max, x.rating_sum, x.ratings, x.available, 'Happy to help.'
         FROM jsonb_to_recordset($1::jsonb) AS x(email text, skills jsonb, max int, ratings int, rating_sum int, available boolean)
         JOIN users u ON u.email = x.email`,
        [JSON.stringify(mentors)],
      );
    }
  }
  await db.query(`INSERT INTO mentorship_skill_frequencies (skill, document_count)
    SELECT s, count(DISTINCT p.user_id)::int FROM profiles p, unnest(p.skills_lower) s WHERE p.directory_visible AND NOT p.owner_deleted GROUP BY s`);
  await db.query(
    `INSERT INTO mentorship_corpus (id, documents) VALUES (1, (SELECT count(*) FROM profiles WHERE directory_visible AND NOT owner_deleted))`,
  );
  await db.query('VACUUM ANALYZE');
  await db.end();
  return performance.now() - started;
}

async function load(url: string, requests: LoadRequest[]) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, requests, timeout: 30 });
  const ok = result.non2xx === 0 && result.errors === 0;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, ok };
}

async function main() {
  if (process.argv[2] === 'floor') return serveFloor(Number(process.argv[3]));
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  console.log(`seeding ${PROFILES} profiles, ${MENTORS} mentors …`);
  const seedMs = await seed(admin);
  const [cohortPort, floorPort] = [await freePort(), await freePort()];
  spawnNode(['src/server.ts'], {
    DATABASE_URL: DB_URL,
    PORT: String(cohortPort),
    LOG_LEVEL: 'warn',
    JWT_SECRET,
    DB_POOL_SIZE: String(POOL),
    RATE_LIMIT_GLOBAL_PER_MINUTE: '100000000',
    RATE_LIMIT_LOGIN_IP_PER_MINUTE: '100000',
    RATE_LIMIT_AUTH_IP_PER_MINUTE: '100000',
  });
  spawnNode([fileURLToPath(import.meta.url), 'floor', String(floorPort)], {});
  const cohort = `http://127.0.0.1:${cohortPort}`;
  const floor = `http://127.0.0.1:${floorPort}`;
  await waitFor(`${cohort}/api/health`);
  await waitFor(floor);
  // Ten members (students and alumni with profiles) sign in over HTTP; requests rotate among them.
  const tokens: string[] = [];
  for (let i = MENTORS; i < MENTORS + 10; i++) {
    const res = await fetch(`${cohort}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `member${i}@bench.example`, password: PASSWORD }),
    });
    tokens.push(((await res.json()) as { access_token: string }).access_token);
  }
  const listPaths = [
    '/api/mentors',
    '/api/mentors?expertise=python',
    '/api/mentors?expertise=python,sql,react&min_rating=4',
    '/api/mentors?department=Computer%20Science',
    '/api/mentors?q=priya&available_only=false',
    '/api/mentors?expertise=rust&department=physics',
  ];
  const lists = tokens.flatMap((token) =>
    listPaths.map((path) => ({ method: 'GET', path, headers: { authorization: `Bearer ${token}` } })),
  );
  const matches = tokens.map((token) => ({
    method: 'POST',
    path: '/api/mentorship/match-suggestions',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ limit: 10 }),
  }));
  // One sanity check: both answer the same ranking.
  const [a, b] = await Promise.all(
    [cohort, floor].map((base) =>
      fetch(`${base}${matches[0].path}`, { method: 'POST', headers: matches[0].headers, body: matches[0].body }).then((r) => r.json()),
    ),
  );
  const ids = (x: any) => x.results.map((r: any) => r.mentor.mentor_id).join();
  if (ids(a) !== ids(b)) console.warn('warning: Cohort and the floor rank differently');
  console.log(
    `\nsetup: ${Math.round(seedMs / 1000)} s to write ${PROFILES} profiles and ${MENTORS} mentors; ${DURATION} s per run, ${CONNECTIONS} connections\n`,
  );
  console.log('| endpoint | Cohort req/s | p50 ms | p99 ms | floor req/s | p50 ms | p99 ms | Cohort/floor |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, requests] of [
    ['GET /api/mentors (mix of 6 filters)', lists],
    ['POST /api/mentorship/match-suggestions', matches],
  ] as const) {
    const c = await load(cohort, requests as LoadRequest[]);
    const f = await load(floor, requests as LoadRequest[]);
    const flag = c.ok && f.ok ? '' : ' (errors!)';
    console.log(
      `| ${name} | ${c.rps.toFixed(0)} | ${c.p50} | ${c.p99} | ${f.rps.toFixed(0)} | ${f.p50} | ${f.p99} | ${(c.rps / f.rps).toFixed(2)}×${flag} |`,
    );
  }
  for (const child of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 2000));
  if (process.env.MENTORSHIP_BENCH_KEEP !== '1') await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
  process.exit(0);
}

await main();
