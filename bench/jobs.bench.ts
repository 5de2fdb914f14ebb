/**
 * Issue 5 (jobs board): create 5,000 jobs through the API as a recruiter, then load GET /api/jobs
 * with a fixed mix of filters, GET /api/jobs/{id} and POST /api/jobs/create, each beside a floor
 * running the same SQL as src/modules/jobs/jobs.service.ts (listJobs/boardConditions, getJob,
 * createJob) as of this writing: when the service changes, change the floor here.
 */
import {
  serviceStatement,
  benchUser,
  compare,
  FloorError,
  floorCountCache,
  inParallel,
  log,
  prng,
  round,
  settings,
  type FloorContext,
  type FloorRequest,
  type FloorRoute,
  type Scenario,
} from './lib.js';
import { COMPANIES, LOCATIONS, SKILLS } from './profiles.bench.js';
import { jobColumns, jobReadStatement } from '../src/modules/jobs/jobs.service.js';

// ---------------------------------------------------------------------------------------------
// The jobs: deterministic, skewed like a real board

const TITLES = `Software Engineer|Senior Software Engineer|Backend Engineer|Frontend Engineer|Full Stack Developer|Data Engineer|
Data Scientist|Data Analyst|Machine Learning Engineer|DevOps Engineer|Site Reliability Engineer|Product Manager|Product Designer|
QA Engineer|Mobile Developer|Cloud Engineer|Security Analyst|Business Analyst|Financial Analyst|Marketing Associate|Sales Executive|
HR Generalist|Operations Analyst|Mechanical Design Engineer|Civil Site Engineer|Embedded Software Engineer|Research Intern|
Teaching Assistant|Management Trainee|Technical Writer`
  .split('|')
  .map((s) => s.trim());
const JOB_TYPES = [
  'full_time',
  'full_time',
  'full_time',
  'full_time',
  'full_time',
  'full_time',
  'internship',
  'internship',
  'contract',
  'part_time',
  'remote',
] as const;

export function jobBody(i: number) {
  const r = prng(5_000_000 + i);
  const title = r.skewed(TITLES, 0.8);
  const company = r.skewed(COMPANIES, 1.0);
  const location = r.skewed(LOCATIONS, 0.9);
  const job_type = r.pick(JOB_TYPES);
  const skills = new Set<string>();
  const wanted = r.int(2, 6);
  while (skills.size < wanted) skills.add(r.skewed(SKILLS, 0.9));
  const min = r.int(3, 40) * 100_000_00;
  const deadline = r.chance(0.8) ? new Date(Date.UTC(2030, 0, 1) + r.int(0, 365 * 24) * 3_600_000).toISOString() : null;
  return {
    title,
    description:
      `${company} is hiring a ${title} in ${location}. You will work with ${[...skills].join(', ')} on products used by millions, with a team that cares about mentoring and craft. ${'Details follow in the interview process. '.repeat(r.int(1, 4))}`.trim(),
    company,
    location,
    job_type,
    experience_required: job_type === 'internship' ? 0 : r.int(0, 12),
    skills_required: [...skills],
    salary_range: { min, max: min + r.int(1, 20) * 100_000_00, currency: 'INR', period: 'year' },
    apply_link: `https://careers.example.com/${company.toLowerCase().replace(/[^a-z0-9]+/g, '-')}/${i}`,
    application_deadline: deadline,
  };
}

const qs = (params: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();

function listMix(postedAfter: string, secondPage: string | null) {
  return [
    '',
    qs({ company: COMPANIES[0] }),
    qs({ company: COMPANIES[7].toLowerCase() }),
    qs({ location: 'Bengaluru, India' }),
    qs({ location: 'pune, india' }),
    qs({ skills: 'Python' }),
    qs({ skills: 'python,sql' }),
    qs({ job_type: 'internship' }),
    qs({ job_type: 'remote' }),
    qs({ experience: 2 }),
    qs({ q: 'engineer' }),
    qs({ q: 'kubernetes' }),
    qs({ posted_after: postedAfter }),
    qs({ company: COMPANIES[1], job_type: 'full_time' }),
    qs({ skills: 'Python', location: 'Hyderabad, India' }),
    qs({ job_type: 'full_time', experience: 3 }),
    ...(secondPage ? [qs({ cursor: secondPage })] : []),
  ].map((q) => `/api/jobs${q ? `?${q}` : ''}`);
}

// ---------------------------------------------------------------------------------------------
// Floor: the SQL of jobs.service.ts

const OPEN = `("jobs"."status" = 'active' AND ("jobs"."application_deadline" IS NULL OR "jobs"."application_deadline" > now()))`;
// jobColumns: every column, the effective status in place of the stored one.
const JOB_COLUMNS = `"jobs"."id", "jobs"."title", "jobs"."description", "jobs"."company", "jobs"."location", "jobs"."job_type",
  "jobs"."experience_required", "jobs"."skills_required", "jobs"."skills_required_lower", "jobs"."salary_range", "jobs"."apply_link",
  "jobs"."posted_by", "jobs"."application_deadline", CASE WHEN ${OPEN} THEN 'active' ELSE 'closed' END AS "status",
  "jobs"."applications_count", "jobs"."views_count", "jobs"."deleted_at", "jobs"."created_at", "jobs"."updated_at"`;

const wire = ({ skills_required_lower: _l, deleted_at: _d, cursor_ts: _c, ...job }: Record<string, unknown>) => job;

const present = (v: string | null) => v?.trim() || undefined;
const lowerSkills = (items: string[]) => [...new Set(items.map((s) => s.trim().toLowerCase()).filter(Boolean))];

/** boardConditions(): the WHERE shared by the page and the count. */
function boardWhere(query: URLSearchParams) {
  const values: unknown[] = [];
  const where = [OPEN, '"jobs"."deleted_at" IS NULL'];
  const add = (sql: (p: string) => string, value: unknown) => {
    values.push(value);
    where.push(sql(`$${values.length}`));
  };
  const company = present(query.get('company'));
  if (company) add((p) => `lower("jobs"."company") = lower(${p})`, company);
  const location = present(query.get('location'));
  if (location) add((p) => `lower("jobs"."location") = lower(${p})`, location);
  const skills = lowerSkills((query.get('skills') ?? '').split(','));
  if (skills.length) {
    const params = skills.map((s) => {
      values.push(s);
      return `$${values.length}`;
    });
    where.push(`"jobs"."skills_required_lower" @> ARRAY[${params.join(', ')}]::text[]`);
  }
  const jobType = present(query.get('job_type'));
  if (jobType) add((p) => `"jobs"."job_type" = ${p}`, jobType);
  const experience = present(query.get('experience'));
  if (experience) add((p) => `"jobs"."experience_required" <= ${p}`, Number(experience));
  const q = present(query.get('q'));
  if (q)
    add(
      (p) => `("jobs"."title" ILIKE ${p} OR "jobs"."description" ILIKE ${p} OR "jobs"."company" ILIKE ${p})`,
      `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    );
  const postedAfter = present(query.get('posted_after'));
  if (postedAfter) add((p) => `"jobs"."created_at" > ${p}::timestamptz`, new Date(postedAfter).toISOString());
  return { where, values };
}

async function listJobs(request: FloorRequest, ctx: FloorContext) {
  await ctx.authenticate(request);
  const limit = Number(present(request.query.get('limit')) ?? 20);
  const { where, values } = boardWhere(request.query);
  const key = ctx.decodeCursor(request.query.get('cursor'));
  const pageWhere = [...where];
  const pageValues = [...values];
  // Cursors are tagged with their list (decision 031): ['jobs', created_at, id].
  if (key && key[0] !== 'jobs') return { status: 400, body: { code: 'validation_failed', detail: 'cursor of another list' } };
  if (key) {
    pageValues.push(key[1], key[2]);
    pageWhere.push(`("jobs"."created_at", "jobs"."id") < ($${pageValues.length - 1}::timestamptz, $${pageValues.length}::uuid)`);
  }
  pageValues.push(limit + 1);
  const [page, total] = await Promise.all([
    ctx.pool.query(
      `select ${JOB_COLUMNS}, "jobs"."created_at"::text AS "cursor_ts" from "jobs" where (${pageWhere.join(' and ')}) order by "jobs"."created_at" DESC, "jobs"."id" DESC limit $${pageValues.length}`,
      pageValues,
    ),
    boardCount(ctx, request.query, where, values),
  ]);
  const rows = page.rows.slice(0, limit);
  const last = rows[rows.length - 1];
  return {
    body: {
      results: rows.map(wire),
      next_cursor: page.rows.length > limit && last ? ctx.encodeCursor(['jobs', last.cursor_ts, last.id]) : null,
      count: total,
    },
  };
}

// listJobs() caches board counts per filter set for 5 s (jobs.service.ts); so does the floor.
const cachedBoardCount = floorCountCache();
function boardCount(ctx: FloorContext, query: URLSearchParams, where: string[], values: unknown[]) {
  return cachedBoardCount(query, () =>
    ctx.pool
      .query(`select count(*)::int AS "count" from "jobs" where (${where.join(' and ')})`, values)
      .then((r) => r.rows[0].count as number),
  );
}

/** getJob: jobReadStatement of jobs.service.ts (the read, and a view by anyone but the poster counted in the same statement). */
const JOB_READ = serviceStatement(jobReadStatement);
const JOB_READ_FIELDS = Object.keys({ ...jobColumns, views_count: 0 });

async function getJob(request: FloorRequest, ctx: FloorContext) {
  const actor = await ctx.authenticate(request);
  const { rows } = await ctx.pool.query({
    name: 'job-read',
    text: JOB_READ.text,
    values: JOB_READ.values({ jobId: request.params.job_id, actorId: actor.id }),
    rowMode: 'array',
  });
  if (!rows[0]) throw new FloorError(404, 'not_found');
  return { body: wire(Object.fromEntries(JOB_READ_FIELDS.map((f, i) => [f, rows[0][i]]))) };
}

async function createJob(request: FloorRequest, ctx: FloorContext) {
  const actor = await ctx.authenticate(request);
  if (!['alumni', 'recruiter', 'admin'].includes(actor.role)) throw new FloorError(403, 'forbidden');
  const b = request.body;
  const seen = new Set<string>();
  const skills = (b.skills_required ?? [])
    .map((s: string) => s.trim())
    .filter((s: string) => s && !seen.has(s.toLowerCase()) && seen.add(s.toLowerCase()));
  return ctx.transaction(async (client) => {
    const { rows } = await client.query(
      `insert into "jobs" ("id", "title", "description", "company", "location", "job_type", "experience_required", "skills_required",
        "skills_required_lower", "salary_range", "apply_link", "posted_by", "application_deadline", "status", "applications_count",
        "views_count", "deleted_at", "created_at", "updated_at")
       values (default, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, default, default, default, default, default, default) returning ${JOB_COLUMNS}`,
      [
        b.title.trim(),
        b.description.trim(),
        b.company.trim(),
        b.location.trim(),
        b.job_type,
        b.experience_required ?? 0,
        skills,
        skills.map((s: string) => s.toLowerCase()),
        b.salary_range ? JSON.stringify(b.salary_range) : null,
        b.apply_link ?? null,
        actor.id,
        b.application_deadline ? new Date(b.application_deadline) : null,
      ],
    );
    // createJob publishes 'job.posted' here; with no subscriber registered (src/app.ts) that writes nothing.
    return { status: 201, body: wire(rows[0]) };
  });
}

const floorRoutes: FloorRoute[] = [
  { method: 'GET', path: '/api/jobs', handler: listJobs },
  { method: 'POST', path: '/api/jobs/create', handler: createJob },
  { method: 'GET', path: '/api/jobs/:job_id', handler: getJob },
];

// ---------------------------------------------------------------------------------------------

const scenario: Scenario = {
  name: 'jobs',
  title: 'Jobs board (issue 5)',
  floorRoutes,

  async run(target, run) {
    const recruiter = await benchUser(target, 'recruiter');
    const reader = await benchUser(target, 'alumni');
    const total = settings.jobs;
    const ids: string[] = [];
    let postedAfter = new Date().toISOString();
    let failure: string | null = null;
    const ms = await inParallel(total, 8, async (i) => {
      if (failure) return;
      if (i === Math.floor(total / 2)) postedAfter = new Date().toISOString();
      const r = await fetch(`${target.cohort.url}/api/jobs/create`, {
        method: 'POST',
        headers: { authorization: `Bearer ${recruiter.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(jobBody(i)),
      });
      const text = await r.text();
      if (r.status !== 201) failure ??= `POST /api/jobs/create → ${r.status} ${text.slice(0, 200)}`;
      else if (ids.length < 500) ids.push(JSON.parse(text).id);
    });
    if (failure) {
      run.note(`jobs [${target.name}]: could not create the jobs (${failure}); jobs endpoints not measured`);
      return;
    }
    const rate = round(total / (ms / 1000), 0);
    log(`  created ${total} jobs through the API in ${round(ms / 1000, 1)} s (${rate}/s, 8 in flight)`);
    run.measure({
      scenario: 'jobs',
      what: `setup: ${total.toLocaleString('en-US')} jobs created through the API (8 in flight)`,
      target: target.name,
      value: round(ms / 1000, 1),
      unit: 's',
    });

    const readHeaders = { authorization: `Bearer ${reader.token}` };
    const first = await fetch(`${target.cohort.url}/api/jobs`, { headers: readHeaders }).then(
      (r) => r.json() as Promise<{ next_cursor?: string | null }>,
    );
    const mix = listMix(postedAfter, first.next_cursor ?? null);
    const sameCount = (c: any, f: any) => (c?.count === f?.count ? null : `count ${c?.count} vs floor ${f?.count}`);

    await compare(run, target, {
      scenario: 'jobs',
      endpoint: `GET /api/jobs (mix of ${mix.length})`,
      load: { headers: readHeaders, requests: mix.map((path) => ({ method: 'GET', path })) },
      goal: { minRatio: 0.9, maxP99: 30, maxCpuRatio: 1.5 },
      same: sameCount,
    });
    await compare(run, target, {
      scenario: 'jobs',
      endpoint: `GET /api/jobs/{id} (${ids.length} ids, counts a view)`,
      load: { headers: readHeaders, requests: ids.map((id) => ({ method: 'GET', path: `/api/jobs/${id}` })) },
      goal: { minRatio: 0.9, maxCpuRatio: 1.5 },
      probe: 5,
      same: (c, f) => (c?.id === f?.id ? null : 'different job'),
    });
    await compare(run, target, {
      scenario: 'jobs',
      endpoint: 'POST /api/jobs/create',
      load: {
        method: 'POST',
        path: '/api/jobs/create',
        headers: { authorization: `Bearer ${recruiter.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(jobBody(total + 1)),
      },
      goal: { minRatio: 0.9, maxP99: 25 },
      probe: 1,
    });
  },
};

export default scenario;
