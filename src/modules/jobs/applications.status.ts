import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest, conflict, forbidden } from '../../lib/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import { applicationHistory, findApplication, isEmployerOf, toApplicationView, visibleApplication } from './applications.service.js';
import type { StatusBody } from './applications.schemas.js';
import { applicationStatusHistory, jobApplications, type ApplicationStatus } from './jobs.tables.js';

/**
 * The workflow (docs/jobs.md). The poster (or an admin) moves an application along the pipeline or
 * rejects it; only the applicant withdraws. hired, rejected and withdrawn are final.
 */
export const transitions: Record<ApplicationStatus, readonly ApplicationStatus[]> = {
  applied: ['viewed', 'shortlisted', 'rejected', 'withdrawn'],
  viewed: ['shortlisted', 'rejected', 'withdrawn'],
  shortlisted: ['interview', 'rejected', 'withdrawn'],
  interview: ['offered', 'rejected', 'withdrawn'],
  offered: ['hired', 'rejected', 'withdrawn'],
  hired: [],
  rejected: [],
  withdrawn: [],
};

type Row = NonNullable<Awaited<ReturnType<typeof findApplication>>>;

/**
 * Records one status change: conditional on the status it starts from (a concurrent change makes
 * this one a 409), with its history row and event, in one transaction. The event names everyone the
 * notification service needs (jobs.notifications.ts decides who hears of it).
 */
async function recordChange(
  ctx: AppContext,
  tx: Tx,
  actor: Actor,
  row: Row,
  to: ApplicationStatus,
  message: string | null,
  automatic = false,
) {
  const byEmployer = actor.id !== row.applicant_id;
  const [changed] = await tx
    .update(jobApplications)
    .set({
      status: to,
      updated_at: new Date(),
      ...(byEmployer ? { viewed_at: sql`coalesce(${jobApplications.viewed_at}, now())` } : {}),
      ...(byEmployer && message !== null ? { response_message: message } : {}),
    })
    .where(and(eq(jobApplications.id, row.id), eq(jobApplications.status, row.status)))
    .returning({ id: jobApplications.id });
  if (!changed) throw conflict('The application changed meanwhile; reload it and try again');
  await tx
    .insert(applicationStatusHistory)
    .values({ application_id: row.id, from_status: row.status, to_status: to, changed_by: actor.id, message });
  await ctx.events.publish(tx, 'application.status_changed', {
    applicationId: row.id,
    jobId: row.job.id,
    applicantId: row.applicant_id,
    posterId: row.job.posted_by,
    from: row.status,
    to,
    byUserId: actor.id,
    message: byEmployer ? message : null,
    automatic,
  });
}

async function detailOf(ctx: AppContext, applicationId: string) {
  const [row, history] = await Promise.all([findApplication(ctx.db, applicationId), applicationHistory(ctx, applicationId)]);
  return { ...toApplicationView(ctx, row!), history };
}

/** Reads an application; the poster's first look sets viewed_at (and moves applied → viewed) once. */
export async function getApplication(ctx: AppContext, actor: Actor, applicationId: string) {
  const row = await visibleApplication(ctx, actor, applicationId);
  if (row.job.posted_by === actor.id && row.viewed_at === null && !row.job.is_deleted) {
    await ctx.db.transaction(async (tx) => {
      if (row.status === 'applied') {
        const [first] = await tx
          .update(jobApplications)
          .set({ viewed_at: sql`now()` })
          .where(and(eq(jobApplications.id, row.id), isNull(jobApplications.viewed_at), eq(jobApplications.status, 'applied')))
          .returning({ id: jobApplications.id });
        // A parallel first look won the race; it records the change.
        if (!first) return;
        return recordChange(ctx, tx, actor, row, 'viewed', null, true);
      }
      await tx
        .update(jobApplications)
        .set({ viewed_at: sql`now()` })
        .where(and(eq(jobApplications.id, row.id), isNull(jobApplications.viewed_at)));
    });
  }
  return detailOf(ctx, applicationId);
}

/** PUT /api/applications/{id}/status: 404 unseen, 403 not yours to make, 409 illegal from the current status. */
export async function changeApplicationStatus(ctx: AppContext, actor: Actor, applicationId: string, input: StatusBody, ip?: string) {
  const row = await visibleApplication(ctx, actor, applicationId);
  if (input.status === 'withdrawn') {
    if (row.applicant_id !== actor.id) throw forbidden('Only the applicant may withdraw an application');
  } else if (!isEmployerOf(actor, row) || row.applicant_id === actor.id) {
    throw forbidden("Only the job's poster or an admin may change this status");
  }
  if (row.job.is_deleted) throw conflict('The job was deleted; its applications can no longer change');
  if (!transitions[row.status].includes(input.status)) {
    throw conflict(`An application cannot go from ${row.status} to ${input.status}`);
  }
  // `message` is the older name of `response_message` (docs/jobs.md): either may carry the text, not both.
  if (input.response_message !== undefined && input.message !== undefined) {
    throw badRequest('message', 'is an alias of response_message: send one of them');
  }
  const message = (input.response_message ?? input.message)?.trim() || null;
  await ctx.db.transaction(async (tx) => {
    await recordChange(ctx, tx, actor, row, input.status, message);
    // An admin moving someone's application is an admin write (the poster's own moves are not).
    if (actor.role === 'admin') {
      await recordAudit(tx, {
        adminId: actor.id,
        actionType: 'application.status',
        targetType: 'application',
        targetId: row.id,
        description: `Moved an application for "${row.job.title}" from ${row.status} to ${input.status}`,
        metadata: { from: row.status, to: input.status },
        ip,
      });
    }
  });
  return detailOf(ctx, applicationId);
}
