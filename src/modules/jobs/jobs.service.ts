import { and, eq, getTableColumns, isNull, ne, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { bumpGeneration, cachedIn, countKeyOf } from '../../lib/cache.js';
import type { Db } from '../../db/client.js';
import { prepared, readShaped } from '../../lib/prepared.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest, forbidden, notFound } from '../../lib/errors.js';
import { parseDateFilter, storableInstant } from '../../lib/schemas.js';
import { cursorTimestamp, keyset } from '../../lib/pagination.js';
import { containsPattern, lowerSkills, normalizeSkills, skillsFilter } from '../../lib/text.js';
import type { Tx } from '../../db/client.js';
import { recordAudit } from '../audit/audit.service.js';
import type { CreateJobBody, JobListQuery, UpdateJobBody } from './jobs.schemas.js';
import { jobs } from './jobs.tables.js';

/**
 * A job takes applications while it is active and its deadline (if any) is ahead. Computed in every
 * query, so an expired job reads as closed without a cron job flipping it.
 */
export const jobIsOpen = (job: { status: SQL | AnyColumn; application_deadline: SQL | AnyColumn }) =>
  sql<boolean>`(${job.status} = 'active' AND (${job.application_deadline} IS NULL OR ${job.application_deadline} > now()))`;
export const effectiveStatusOf = (open: SQL) => sql<'active' | 'closed'>`CASE WHEN ${open} THEN 'active' ELSE 'closed' END`;
export const openJobCondition = jobIsOpen(jobs);
export const effectiveJobStatus = effectiveStatusOf(openJobCondition);

/** Every column, with the effective status in place of the stored one (rows are in wire format). */
export const jobColumns = { ...getTableColumns(jobs), status: effectiveJobStatus };
/** What a board card shows (JobSchema's fields): the lower-cased skills and deleted_at are not read for the page. */
const { skills_required_lower: _lower, deleted_at: _deleted, ...boardColumns } = jobColumns;

/** The stored skills and their lower-cased twin (what the board's filter compares). */
export const skillColumns = (items: readonly string[]) => {
  const skills = normalizeSkills(items);
  return { skills_required: skills, skills_required_lower: lowerSkills(skills) };
};

function checkSalaryAndDeadline(input: Pick<CreateJobBody, 'salary_range' | 'application_deadline'>) {
  if (input.salary_range && input.salary_range.min > input.salary_range.max) {
    throw badRequest('salary_range.max', 'must be greater than or equal to salary_range.min');
  }
  if (input.application_deadline && storableInstant('application_deadline', input.application_deadline).getTime() <= Date.now()) {
    throw badRequest('application_deadline', 'must be in the future');
  }
}

const trimmed = <T extends string | null | undefined>(value: T) => (typeof value === 'string' ? value.trim() : value) as T;

export async function createJob(ctx: AppContext, actor: Actor, input: CreateJobBody) {
  checkSalaryAndDeadline(input);
  const created = await ctx.db.transaction(async (tx) => {
    const [job] = await tx
      .insert(jobs)
      .values({
        title: input.title.trim(),
        description: input.description.trim(),
        company: input.company.trim(),
        location: input.location.trim(),
        job_type: input.job_type,
        experience_required: input.experience_required ?? 0,
        ...skillColumns(input.skills_required ?? []),
        salary_range: input.salary_range ?? null,
        apply_link: input.apply_link ?? null,
        application_deadline: input.application_deadline ? new Date(input.application_deadline) : null,
        posted_by: actor.id,
      })
      .returning(jobColumns);
    await ctx.events.publish(tx, 'job.posted', { jobId: job.id, postedBy: actor.id });
    return job;
  });
  await bumpGeneration(ctx, 'jobs');
  return created;
}

/**
 * Reads a job in one statement; a view by anyone but the poster counts in it (a data-modifying CTE:
 * it runs whether or not the read refers to it, and the read takes the new count from it).
 */
export const jobReadStatement = (db: Db) => {
  const jobId = sql.placeholder('jobId');
  const viewed = db.$with('viewed').as(
    db
      .update(jobs)
      .set({ views_count: sql`${jobs.views_count} + 1` })
      .where(and(eq(jobs.id, jobId), isNull(jobs.deleted_at), ne(jobs.posted_by, sql.placeholder('actorId'))))
      .returning({ views_count: jobs.views_count }),
  );
  return db
    .with(viewed)
    .select({ ...jobColumns, views_count: sql<number>`coalesce((SELECT views_count FROM ${viewed}), ${jobs.views_count})` })
    .from(jobs)
    .where(and(eq(jobs.id, jobId), isNull(jobs.deleted_at)));
};

export async function getJob(ctx: AppContext, actor: Actor, jobId: string) {
  const read = prepared(ctx, 'job-read', (db) => jobReadStatement(db).prepare('job-read'));
  const [job] = await read.execute({ jobId, actorId: actor.id });
  if (!job) throw notFound('Job');
  return job;
}

/** The job (not deleted) if the actor may change it: 404 when it does not exist, 403 when it is someone else's. */
async function jobToChange(ctx: AppContext, actor: Actor, jobId: string) {
  const [job] = await ctx.db
    .select({ id: jobs.id, posted_by: jobs.posted_by })
    .from(jobs)
    .where(and(eq(jobs.id, jobId), isNull(jobs.deleted_at)));
  if (!job) throw notFound('Job');
  if (job.posted_by !== actor.id && actor.role !== 'admin') throw forbidden('Only the poster or an admin may change this job');
  return job;
}

export async function updateJob(ctx: AppContext, actor: Actor, jobId: string, input: UpdateJobBody, ip?: string) {
  const target = await jobToChange(ctx, actor, jobId);
  checkSalaryAndDeadline(input);
  const { skills_required, application_deadline, ...rest } = input;
  const set: Partial<typeof jobs.$inferInsert> = { updated_at: new Date() };
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (set as Record<string, unknown>)[key] = trimmed(value as string);
  }
  if (skills_required) Object.assign(set, skillColumns(skills_required));
  if (application_deadline !== undefined) set.application_deadline = application_deadline ? new Date(application_deadline) : null;
  const job = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(jobs)
      .set(set)
      .where(and(eq(jobs.id, jobId), isNull(jobs.deleted_at)))
      .returning(jobColumns);
    if (row)
      await auditAdminJobWrite(tx, actor, target, 'job.update', `Changed the job "${row.title}"`, { fields: Object.keys(input) }, ip);
    return row;
  });
  if (!job) throw notFound('Job');
  await bumpGeneration(ctx, 'jobs');
  return job;
}

export async function closeJob(ctx: AppContext, actor: Actor, jobId: string, ip?: string) {
  return updateJob(ctx, actor, jobId, { status: 'closed' }, ip);
}

/** An admin changing or deleting a job (any job, also their own) is an admin write: audited in its transaction. */
async function auditAdminJobWrite(
  tx: Tx,
  actor: Actor,
  job: { id: string },
  actionType: string,
  description: string,
  metadata: Record<string, unknown>,
  ip?: string,
) {
  if (actor.role !== 'admin') return;
  await recordAudit(tx, { adminId: actor.id, actionType, targetType: 'job', targetId: job.id, description, metadata, ip });
}

/** Soft delete: the job leaves every list and reads 404, applicants keep their history. */
export async function deleteJob(ctx: AppContext, actor: Actor, jobId: string, ip?: string) {
  const target = await jobToChange(ctx, actor, jobId);
  await ctx.db.transaction(async (tx) => {
    const deleted = await tx
      .update(jobs)
      .set({ deleted_at: new Date(), updated_at: new Date() })
      .where(and(eq(jobs.id, jobId), isNull(jobs.deleted_at)))
      .returning({ id: jobs.id });
    if (deleted.length) await auditAdminJobWrite(tx, actor, target, 'job.delete', 'Deleted a job', {}, ip);
  });
  await bumpGeneration(ctx, 'jobs');
}

/** The board's filters (SEARCH.md, `GET /api/jobs`), each as SQL over one value (a parameter or a placeholder). */
const BOARD_FILTERS = {
  company: (v: SQL) => sql`lower(${jobs.company}) = lower(${v})`,
  location: (v: SQL) => sql`lower(${jobs.location}) = lower(${v})`,
  skills: (v: SQL) => sql`${jobs.skills_required_lower} @> ${v}::text[]`,
  jobType: (v: SQL) => sql`${jobs.job_type} = ${v}`,
  experience: (v: SQL) => sql`${jobs.experience_required} <= ${v}::int`,
  q: (v: SQL) => sql`(${jobs.title} ILIKE ${v} OR ${jobs.description} ILIKE ${v} OR ${jobs.company} ILIKE ${v})`,
  postedAfter: (v: SQL) => sql`${jobs.created_at} > ${v}::timestamptz`,
};
type BoardFilter = { kind: keyof typeof BOARD_FILTERS; value: unknown };

/** The request's filters as plain values: no SQL is built to find the statement's shape. */
function boardFilters(query: JobListQuery): BoardFilter[] {
  const filters: BoardFilter[] = [];
  const value = (v: string | undefined) => v?.trim() || undefined;
  const company = value(query.company);
  if (company) filters.push({ kind: 'company', value: company });
  const location = value(query.location);
  if (location) filters.push({ kind: 'location', value: location });
  const skills = skillsFilter(query.skills);
  if (skills.length) filters.push({ kind: 'skills', value: skills });
  const jobType = value(query.job_type);
  if (jobType) filters.push({ kind: 'jobType', value: jobType });
  const experience = value(query.experience);
  if (experience) filters.push({ kind: 'experience', value: Number(experience) });
  const q = value(query.q);
  if (q) filters.push({ kind: 'q', value: containsPattern(q) });
  const postedAfter = parseDateFilter('posted_after', query.posted_after);
  if (postedAfter) filters.push({ kind: 'postedAfter', value: postedAfter });
  return filters;
}

/** The board's WHERE: open, not deleted, and the filters (values bound as given by `valueOf`). */
const boardWhere = (filters: BoardFilter[], valueOf: (f: BoardFilter, i: number) => SQL) =>
  and(openJobCondition, sql`${jobs.deleted_at} IS NULL`, ...filters.map((f, i) => BOARD_FILTERS[f.kind](valueOf(f, i))));

/** Newest first; applications, the recruiter's jobs and analytics walk jobs the same way under their own names. */
export const newestFirst = <Row extends { cursor_ts: string; id: string }>(list: string, at: SQL | AnyColumn, id: SQL | AnyColumn) =>
  keyset<Row>(
    list,
    'desc',
    [
      { column: at, type: 'timestamp' },
      { column: id, type: 'uuid' },
    ],
    (row) => [row.cursor_ts, row.id],
  );
const board = newestFirst('jobs', jobs.created_at, jobs.id);

/**
 * Board counts are cached per filter set: every job write invalidates them at once (src/lib/cache.ts);
 * the TTL bounds the one change no write announces, a deadline passing (a few seconds at most).
 */
const COUNT_TTL_SECONDS = 5;

/** The jobs board: open jobs, newest first, keyset pages, count from the same WHERE. */
export async function listJobs(ctx: AppContext, query: JobListQuery) {
  const filters = boardFilters(query);
  const position = board.positionParams(ctx, query.cursor);
  const params: Record<string, unknown> = { ...position, limit: query.limit + 1 };
  filters.forEach((f, i) => (params[`f${i}`] = f.value));
  // Built once per shape (which filters, first page or not) and prepared: drizzle's building was most of the CPU.
  const shape = `${filters.map((f) => f.kind).join(',')}:${position ? 'after' : 'first'}`;
  const [rows, count] = await Promise.all([
    readShaped(
      ctx,
      'jobs-board',
      shape,
      (db) =>
        db
          .select({ ...boardColumns, cursor_ts: cursorTimestamp(jobs.created_at) })
          .from(jobs)
          .where(
            and(
              boardWhere(filters, (_f, i) => sql`${sql.placeholder(`f${i}`)}`),
              position ? board.afterPlaceholders() : undefined,
            ),
          )
          .orderBy(board.orderBy)
          .limit(sql.placeholder('limit')),
      params,
    ),
    cachedIn<number>(ctx, 'jobs', countKeyOf(query), COUNT_TTL_SECONDS, async () => {
      const [{ count }] = await ctx.db
        .select({ count: sql<number>`count(*)::int` })
        .from(jobs)
        .where(boardWhere(filters, (f) => sql`${sql.param(f.value)}`));
      return count;
    }),
  ]);
  return { ...board.page(ctx, rows, query.limit), count };
}
