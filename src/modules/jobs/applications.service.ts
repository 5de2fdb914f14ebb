import { and, asc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest, conflict, forbidden, isUniqueViolation, notFound } from '../../lib/errors.js';
import { cursorTimestamp } from '../../lib/pagination.js';
import type { Upload } from '../../lib/uploads.js';
import { users } from '../auth/auth.tables.js';
import { contentTypeOfKey, signedFileUrl, storeUpload } from '../files/files.service.js';
import { profiles } from '../profiles/profiles.tables.js';
import type { ApplicationListQuery } from './applications.schemas.js';
import { effectiveJobStatus, newestFirst, openJobCondition } from './jobs.service.js';
import { applicationStatusHistory, jobApplications, jobs } from './jobs.tables.js';

const applicationColumns = {
  id: jobApplications.id,
  job_id: jobApplications.job_id,
  applicant_id: jobApplications.applicant_id,
  cv_key: jobApplications.cv_key,
  cover_letter: jobApplications.cover_letter,
  status: jobApplications.status,
  applied_at: jobApplications.applied_at,
  viewed_at: jobApplications.viewed_at,
  response_message: jobApplications.response_message,
  updated_at: jobApplications.updated_at,
  cursor_ts: cursorTimestamp(jobApplications.applied_at),
  job: {
    id: jobs.id,
    title: jobs.title,
    company: jobs.company,
    location: jobs.location,
    posted_by: jobs.posted_by,
    status: effectiveJobStatus,
    is_deleted: sql<boolean>`(${jobs.deleted_at} IS NOT NULL)`,
  },
  applicant: { id: users.id, name: users.name, email: users.email },
};

/** Applications joined with their job (deleted or not) and applicant: one query, no N+1. */
const selectApplications = (db: Tx) =>
  db
    .select(applicationColumns)
    .from(jobApplications)
    .innerJoin(jobs, eq(jobs.id, jobApplications.job_id))
    .innerJoin(users, eq(users.id, jobApplications.applicant_id));

type ApplicationRow = Awaited<ReturnType<ReturnType<typeof selectApplications>['execute']>>[number];

/** The wire view: the stored CV key becomes a signed, expiring URL. */
export const toApplicationView = (ctx: AppContext, row: ApplicationRow) => ({ ...row, cv_url: signedFileUrl(ctx, row.cv_key) });

export async function findApplication(db: Tx, applicationId: string) {
  return (await selectApplications(db).where(eq(jobApplications.id, applicationId)))[0];
}

export const isEmployerOf = (actor: Actor, row: { job: { posted_by: string } }) => actor.role === 'admin' || row.job.posted_by === actor.id;

/** Visible to the applicant, the poster and admins; anyone else reads "not found". */
export async function visibleApplication(ctx: AppContext, actor: Actor, applicationId: string) {
  const row = await findApplication(ctx.db, applicationId);
  if (!row || (row.applicant_id !== actor.id && !isEmployerOf(actor, row))) throw notFound('Application');
  return row;
}

export async function applicationHistory(ctx: AppContext, applicationId: string) {
  return ctx.db
    .select({
      from_status: applicationStatusHistory.from_status,
      to_status: applicationStatusHistory.to_status,
      changed_by: applicationStatusHistory.changed_by,
      message: applicationStatusHistory.message,
      created_at: applicationStatusHistory.created_at,
    })
    .from(applicationStatusHistory)
    .where(eq(applicationStatusHistory.application_id, applicationId))
    .orderBy(asc(applicationStatusHistory.created_at), asc(applicationStatusHistory.id));
}

/**
 * The CV on the applicant's profile, copied: the application keeps the CV it was sent with even if
 * the profile's changes later. (Reading another module's table is allowed; writing it is not.)
 */
async function copyProfileCv(ctx: AppContext, userId: string) {
  const [profile] = await ctx.db.select({ cv_key: profiles.cv_key }).from(profiles).where(eq(profiles.user_id, userId));
  const key = profile?.cv_key ?? null;
  const file = key ? await ctx.storage.get(key) : null;
  if (!key || !file) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of file.body) chunks.push(Buffer.from(chunk));
  const extension = key.split('.').pop()!;
  const upload: Upload = { buffer: Buffer.concat(chunks), mime: contentTypeOfKey(key), extension, originalName: `cv.${extension}` };
  return storeUpload(ctx, 'cvs', upload);
}

export interface ApplyInput {
  cover_letter?: string | null;
  use_profile_cv?: boolean;
  upload?: Upload;
}

export async function applyToJob(ctx: AppContext, actor: Actor, jobId: string, input: ApplyInput) {
  const [job] = await ctx.db
    .select({ id: jobs.id, posted_by: jobs.posted_by, open: sql<boolean>`${openJobCondition}` })
    .from(jobs)
    .where(and(eq(jobs.id, jobId), isNull(jobs.deleted_at)));
  if (!job) throw notFound('Job');
  if (job.posted_by === actor.id) throw forbidden('You cannot apply to a job you posted');
  if (!job.open) throw conflict('This job is closed to applications');
  const [existing] = await ctx.db
    .select({ id: jobApplications.id })
    .from(jobApplications)
    .where(and(eq(jobApplications.job_id, jobId), eq(jobApplications.applicant_id, actor.id)));
  if (existing) throw conflict('You already applied to this job', 'already_applied');

  const cvKey = input.upload
    ? await storeUpload(ctx, 'cvs', input.upload)
    : input.use_profile_cv !== false
      ? await copyProfileCv(ctx, actor.id)
      : null;
  if (!cvKey) throw badRequest('cv', 'is required: upload a file (multipart field "file") or add a CV to your profile');
  const coverLetter = input.cover_letter?.trim() || null;

  let committed: { applicationId: string };
  try {
    committed = await ctx.db.transaction(async (tx) => {
      // The counter moves with the insert, and the row lock orders concurrent applications to one job.
      const [counted] = await tx
        .update(jobs)
        .set({ applications_count: sql`${jobs.applications_count} + 1` })
        .where(and(eq(jobs.id, jobId), isNull(jobs.deleted_at), openJobCondition))
        .returning({ title: jobs.title, posted_by: jobs.posted_by });
      if (!counted) throw conflict('This job is closed to applications');
      const [application] = await tx
        .insert(jobApplications)
        .values({ job_id: jobId, applicant_id: actor.id, cv_key: cvKey, cover_letter: coverLetter })
        .onConflictDoNothing()
        .returning({ id: jobApplications.id });
      if (!application) throw conflict('You already applied to this job', 'already_applied');
      await tx.insert(applicationStatusHistory).values({ application_id: application.id, to_status: 'applied', changed_by: actor.id });
      // The notification service tells the poster (jobs.notifications.ts).
      await ctx.events.publish(tx, 'application.received', {
        applicationId: application.id,
        jobId,
        applicantId: actor.id,
        posterId: counted.posted_by,
      });
      return { applicationId: application.id };
    });
  } catch (err) {
    await ctx.storage.delete(cvKey).catch(() => {});
    if (isUniqueViolation(err)) throw conflict('You already applied to this job', 'already_applied');
    throw err;
  }
  return toApplicationView(ctx, (await findApplication(ctx.db, committed.applicationId))!);
}

/** A job's applications and the caller's own are two lists: a cursor of one is refused by the other. */
const applicationLists = {
  job: newestFirst<ApplicationRow>('jobs.applications', jobApplications.applied_at, jobApplications.id),
  mine: newestFirst<ApplicationRow>('applications.mine', jobApplications.applied_at, jobApplications.id),
};

function pageOfApplications(ctx: AppContext, list: keyof typeof applicationLists, where: SQL, query: ApplicationListQuery) {
  const keys = applicationLists[list];
  const status = query.status ? eq(jobApplications.status, query.status) : undefined;
  return selectApplications(ctx.db)
    .where(and(where, status, keys.after(ctx, query.cursor)))
    .orderBy(keys.orderBy)
    .limit(query.limit + 1)
    .then((rows) => {
      const page = keys.page(ctx, rows, query.limit);
      return { ...page, results: page.results.map((r) => toApplicationView(ctx, r)) };
    });
}

/** A job's applications, for its poster and admins; to anyone else the list does not exist. */
export async function listJobApplications(ctx: AppContext, actor: Actor, jobId: string, query: ApplicationListQuery) {
  const [job] = await ctx.db
    .select({ posted_by: jobs.posted_by })
    .from(jobs)
    .where(and(eq(jobs.id, jobId), isNull(jobs.deleted_at)));
  if (!job || !isEmployerOf(actor, { job })) throw notFound('Job');
  return pageOfApplications(ctx, 'job', eq(jobApplications.job_id, jobId), query);
}

/** The caller's applications, including those to jobs deleted since (their title and company stay readable). */
export async function listMyApplications(ctx: AppContext, actor: Actor, query: ApplicationListQuery) {
  return pageOfApplications(ctx, 'mine', eq(jobApplications.applicant_id, actor.id), query);
}
