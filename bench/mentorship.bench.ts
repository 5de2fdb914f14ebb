/**
 * Issue 12 (mentorship): BENCH_MENTOR_PROFILES profiles (100,000), the first BENCH_MENTORS of them
 * (5,000) mentors, written by SQL; then `GET /api/mentors` (6 filter variants × 10 members) and
 * `POST /api/mentorship/match-suggestions` (10 members), each beside a floor.
 *
 * The floor's SQL mirrors mentors.service.ts (LIST_COLUMNS, listFrom, listConditions, the cached
 * count) and takes the ranking statement itself from matching.service.ts (rankingSql), plus the
 * cards query.
 */
import { PgDialect } from 'drizzle-orm/pg-core';
import { rankingSql } from '../src/modules/mentorship/matching.service.js';
import {
  compare,
  loginMembers,
  memberEmail,
  memberPasswordHash,
  prng,
  round,
  settings,
  type FloorContext,
  type FloorRequest,
  type FloorRoute,
  type Scenario,
  type Target,
} from './lib.js';

// ---------------------------------------------------------------------------------------------
// Floor

const MENTOR_CARD = `SELECT m.user_id AS mentor_id, u.name, u.role, m.is_available, m.expertise_areas, m.max_mentees,
  m.current_mentees_count, (m.current_mentees_count < m.max_mentees) AS has_capacity, m.rating, m.rating_count AS ratings_count,
  m.total_sessions, m.bio, m.availability, p.department, p.current_company, p.location, coalesce(p.skills, '{}'::text[]) AS skills,
  m.created_at, m.updated_at
  FROM mentor_profiles m JOIN users u ON u.id = m.user_id
  LEFT JOIN profiles p ON p.user_id = m.user_id AND ((p.directory_visible AND NOT p.owner_deleted) OR p.user_id = $1::uuid OR FALSE)`;

// Counts are cached for 10 s per filter set, as Cohort does (mentors.service.ts, COUNT_TTL_SECONDS).
const counts = new Map<string, { count: number; expires: number }>();

async function listMentors(request: FloorRequest, ctx: FloorContext) {
  const actor = await ctx.authenticate(request);
  const query = request.query;
  const where = [`(SELECT x.status FROM users x WHERE x.id = m.user_id) = 'active'`];
  const values: unknown[] = [actor.id];
  if (query.get('available_only') !== 'false') where.push('m.is_available');
  const expertise = (query.get('expertise') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (expertise.length) where.push(`m.expertise_lower && $${values.push(expertise)}::text[]`);
  const minRating = query.get('min_rating');
  if (minRating) where.push(`coalesce(m.rating, 0) >= $${values.push(Number(minRating))}`);
  const q = query.get('q');
  if (q) where.push(`(SELECT x.name FROM users x WHERE x.id = m.user_id) ILIKE $${values.push(`%${q}%`)}`);
  const department = query.get('department');
  if (department) where.push(`lower(p.department) = lower($${values.push(department)})`);
  const countKey = JSON.stringify([where, values.slice(1), department ? actor.id : '']);
  const cached = counts.get(countKey);
  const count =
    cached && cached.expires > Date.now()
      ? cached.count
      : ctx.pool
          .query(
            `SELECT count(*)::int AS count FROM mentor_profiles m
         LEFT JOIN profiles p ON p.user_id = m.user_id AND ((p.directory_visible AND NOT p.owner_deleted) OR p.user_id = $1::uuid OR FALSE)
         WHERE ${where.join(' AND ')}`,
            values,
          )
          .then((r) => {
            counts.set(countKey, { count: r.rows[0].count, expires: Date.now() + 10_000 });
            return r.rows[0].count as number;
          });
  const [rows, total] = await Promise.all([
    ctx.pool.query(`${MENTOR_CARD} WHERE ${where.join(' AND ')} ORDER BY coalesce(m.rating, 0) DESC, m.user_id ASC LIMIT 21`, values),
    count,
  ]);
  const page = rows.rows.slice(0, 20);
  const last = page.at(-1);
  return {
    body: {
      results: page,
      next_cursor: rows.rows.length > 20 && last ? ctx.encodeCursor(['mentors', last.rating ?? 0, last.mentor_id]) : null,
      count: total,
    },
  };
}

const dialect = new PgDialect();

async function matchSuggestions(request: FloorRequest, ctx: FloorContext) {
  const actor = await ctx.authenticate(request);
  const query = dialect.sqlToQuery(rankingSql(actor.id, false, request.body?.limit ?? 10));
  const ranked = (await ctx.pool.query(query.sql, query.params)).rows;
  const cards = (await ctx.pool.query(`${MENTOR_CARD} WHERE m.user_id = ANY($2::uuid[])`, [actor.id, ranked.map((r) => r.user_id)])).rows;
  const byId = new Map(cards.map((c) => [c.mentor_id, c]));
  return {
    body: {
      results: ranked.map((r) => ({
        mentor: byId.get(r.user_id),
        score: r.score,
        similarity: r.similarity,
        shared_skills: r.shared_terms ?? [],
      })),
    },
  };
}

const floorRoutes: FloorRoute[] = [
  { method: 'GET', path: '/api/mentors', handler: listMentors },
  { method: 'POST', path: '/api/mentorship/match-suggestions', handler: matchSuggestions },
];

// ---------------------------------------------------------------------------------------------
// The data set: deterministic

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

/** Member i (from 0): the first BENCH_MENTORS are mentors; the 20 after them can sign in. */
async function seed(target: Target) {
  const { mentorProfiles: profiles, mentors } = settings;
  const r = prng(20_261_130).next;
  const hash = await memberPasswordHash();
  const started = performance.now();
  for (let start = 0; start < profiles; start += 5000) {
    const rows = [];
    for (let i = start; i < Math.min(profiles, start + 5000); i++) {
      const skills = new Set<string>();
      const n = 3 + Math.floor(r() * 6);
      while (skills.size < n) skills.add(skewed(r, SKILLS));
      const row = {
        index: i,
        email: memberEmail('mentorship', i),
        name: `${NAMES[Math.floor(r() * NAMES.length)]} ${SURNAMES[Math.floor(r() * SURNAMES.length)]} ${i}`,
        role: i < mentors ? (i % 10 === 0 ? 'faculty' : 'alumni') : i % 3 === 0 ? 'student' : 'alumni',
        skills: [...skills],
        department: skewed(r, DEPARTMENTS),
        company: skewed(r, COMPANIES),
        location: skewed(r, CITIES),
        visible: r() < 0.95,
        max: 1 + Math.floor(r() * 10),
        ratings: Math.floor(r() * 8),
        rating_sum: 0,
        available: r() < 0.85,
        password_hash: i >= mentors && i < mentors + 20 ? hash : null,
      };
      row.rating_sum = Array.from({ length: row.ratings }, () => 3 + Math.floor(r() * 3)).reduce((a, b) => a + b, 0);
      rows.push(row);
    }
    await target.query(
      `WITH src AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(email text, name text, role text, skills jsonb, department text,
         company text, location text, visible boolean, max int, ratings int, rating_sum int, available boolean, password_hash text)),
       u AS (INSERT INTO users (email, name, role, is_verified, password_hash) SELECT email, name, role, true, password_hash FROM src RETURNING id, email)
       INSERT INTO profiles (user_id, name, department, current_company, location, skills, skills_lower, directory_visible)
       SELECT u.id, src.name, src.department, src.company, src.location,
         ARRAY(SELECT jsonb_array_elements_text(src.skills)), ARRAY(SELECT lower(jsonb_array_elements_text(src.skills))), src.visible
       FROM src JOIN u ON u.email = src.email`,
      [JSON.stringify(rows)],
    );
    const mentorRows = rows.filter((x) => x.index < mentors);
    if (mentorRows.length) {
      await target.query(
        `INSERT INTO mentor_profiles (user_id, expertise_areas, expertise_lower, max_mentees, current_mentees_count, rating_sum, rating_count, is_available, bio)
         SELECT u.id, ARRAY(SELECT jsonb_array_elements_text(x.skills) LIMIT 3), ARRAY(SELECT lower(jsonb_array_elements_text(x.skills)) LIMIT 3),
           x.max, (hashtext(x.email) & 255) % x.max, x.rating_sum, x.ratings, x.available, 'Happy to help.'
         FROM jsonb_to_recordset($1::jsonb) AS x(email text, skills jsonb, max int, ratings int, rating_sum int, available boolean)
         JOIN users u ON u.email = x.email`,
        [JSON.stringify(mentorRows)],
      );
    }
  }
  // As refreshMatchingCorpus (matching.service.ts) does; the corpus counts every listed profile in the database.
  await target.query(`BEGIN;
    SELECT pg_advisory_xact_lock(hashtext('mentorship_corpus'));
    DELETE FROM mentorship_skill_frequencies;
    INSERT INTO mentorship_skill_frequencies (skill, document_count)
      SELECT s, count(DISTINCT p.user_id)::int FROM profiles p, unnest(p.skills_lower) s WHERE p.directory_visible AND NOT p.owner_deleted GROUP BY s;
    INSERT INTO mentorship_corpus (id, documents, refreshed_at)
      VALUES (1, (SELECT count(*)::int FROM profiles WHERE directory_visible AND NOT owner_deleted), now())
      ON CONFLICT (id) DO UPDATE SET documents = excluded.documents, refreshed_at = excluded.refreshed_at;
    COMMIT`);
  await target.query('VACUUM ANALYZE users, profiles, mentor_profiles, mentorship_skill_frequencies');
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------------

const scenario: Scenario = {
  name: 'mentorship',
  title: 'Mentorship (issue 12)',
  floorRoutes,

  async run(target, run) {
    const { mentorProfiles: profiles, mentors } = settings;
    if (profiles < mentors + 10)
      throw new Error(`BENCH_MENTOR_PROFILES (${profiles}) must exceed BENCH_MENTORS (${mentors}) by 10 at least`);
    const ms = await seed(target);
    run.measure({
      scenario: 'mentorship',
      what: `setup: ${profiles.toLocaleString('en-US')} profiles and ${mentors.toLocaleString('en-US')} mentors written by SQL`,
      target: target.name,
      value: round(ms / 1000, 1),
      unit: 's',
    });
    // Ten members (students and alumni with profiles) sign in over HTTP; requests rotate among them.
    const tokens = await loginMembers(target, 'mentorship', 10, mentors);
    const listPaths = [
      '/api/mentors',
      '/api/mentors?expertise=python',
      '/api/mentors?expertise=python,sql,react&min_rating=4',
      '/api/mentors?department=Computer%20Science',
      '/api/mentors?q=priya&available_only=false',
      '/api/mentors?expertise=rust&department=physics',
    ];
    await compare(run, target, {
      scenario: 'mentorship',
      endpoint: `GET /api/mentors (${listPaths.length} filters × ${tokens.length} members)`,
      load: {
        requests: tokens.flatMap((token) =>
          listPaths.map((path) => ({ method: 'GET' as const, path, headers: { authorization: `Bearer ${token}` } })),
        ),
      },
      same: (c, f) => (c?.count === f?.count ? null : `count ${c?.count} vs floor ${f?.count}`),
    });
    const ranking = (x: any) => (x?.results ?? []).map((r: any) => r.mentor?.mentor_id).join();
    await compare(run, target, {
      scenario: 'mentorship',
      endpoint: `POST /api/mentorship/match-suggestions (${tokens.length} members)`,
      load: {
        requests: tokens.map((token) => ({
          method: 'POST' as const,
          path: '/api/mentorship/match-suggestions',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ limit: 10 }),
        })),
      },
      same: (c, f) => (ranking(c) === ranking(f) ? null : 'ranked differently'),
    });
  },
};

export default scenario;
