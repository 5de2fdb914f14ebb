import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/client.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest, conflict, isUniqueViolation, notFound } from '../../lib/errors.js';
import { cursorTimestamp } from '../../lib/pagination.js';
import { users } from '../auth/auth.tables.js';
import { getSetting } from '../admin/settings.service.js';
import { newestFirst } from '../jobs/jobs.service.js';
import type { CreateRequestBody, EndBody, RejectBody, RequestListQuery } from './mentorship.schemas.js';
import { mentorProfiles, mentorshipRequests, mentorships, mentorshipSessions } from './mentorship.tables.js';

/**
 * A pending request lapses at its expires_at, set when it is made from the setting
 * mentorship_request_expiry_days (default 14): a later change of the setting moves only new requests.
 * The expiry job sweeps lapsed requests; accept refuses them before then.
 */
const notLapsed = sql`${mentorshipRequests.expires_at} > now()`;

const student = alias(users, 'student');
const mentor = alias(users, 'mentor');

const requestColumns = {
  id: mentorshipRequests.id,
  student_id: mentorshipRequests.student_id,
  mentor_id: mentorshipRequests.mentor_id,
  request_message: mentorshipRequests.request_message,
  goals: mentorshipRequests.goals,
  status: mentorshipRequests.status,
  requested_at: mentorshipRequests.requested_at,
  // Mapped like requested_at, so the wire shows ISO 8601 as for every other timestamp (not PostgreSQL's text).
  expires_at: sql<Date | null>`CASE WHEN ${mentorshipRequests.status} = 'pending' THEN ${mentorshipRequests.expires_at} END`.mapWith(
    mentorshipRequests.expires_at,
  ),
  accepted_at: mentorshipRequests.accepted_at,
  rejected_at: mentorshipRequests.rejected_at,
  rejection_reason: mentorshipRequests.rejection_reason,
  expired_at: mentorshipRequests.expired_at,
  mentorship_id: mentorships.id,
  cursor_ts: cursorTimestamp(mentorshipRequests.requested_at),
  student: { id: student.id, name: student.name },
  mentor: { id: mentor.id, name: mentor.name },
};

const selectRequests = (db: Tx) =>
  db
    .select(requestColumns)
    .from(mentorshipRequests)
    .innerJoin(student, eq(student.id, mentorshipRequests.student_id))
    .innerJoin(mentor, eq(mentor.id, mentorshipRequests.mentor_id))
    .leftJoin(mentorships, eq(mentorships.request_id, mentorshipRequests.id));

const findRequest = async (db: Tx, id: string) => (await selectRequests(db).where(eq(mentorshipRequests.id, id)))[0];

const mentorshipColumns = {
  id: mentorships.id,
  request_id: mentorships.request_id,
  mentor_id: mentorships.mentor_id,
  student_id: mentorships.student_id,
  status: mentorships.status,
  started_at: mentorships.started_at,
  ended_at: mentorships.ended_at,
  ended_by: mentorships.ended_by,
  end_reason: mentorships.end_reason,
  cursor_ts: cursorTimestamp(mentorships.started_at),
  student: { id: student.id, name: student.name },
  mentor: { id: mentor.id, name: mentor.name },
};

const selectMentorships = (db: Tx) =>
  db
    .select(mentorshipColumns)
    .from(mentorships)
    .innerJoin(student, eq(student.id, mentorships.student_id))
    .innerJoin(mentor, eq(mentor.id, mentorships.mentor_id));

/** A mentorship the actor takes part in; to anyone else it does not exist. */
export async function participantMentorship(db: Tx, actor: Actor, mentorshipId: string) {
  const [row] = await selectMentorships(db).where(
    and(eq(mentorships.id, mentorshipId), or(eq(mentorships.mentor_id, actor.id), eq(mentorships.student_id, actor.id))),
  );
  if (!row) throw notFound('Mentorship');
  return row;
}

/** Students, and alumni asking other mentors (route roles). */
export async function createRequest(ctx: AppContext, actor: Actor, input: CreateRequestBody) {
  if (input.mentor_id === actor.id) throw badRequest('mentor_id', 'must be someone else: you cannot ask yourself');
  const [target] = await ctx.db
    .select({ is_available: mentorProfiles.is_available })
    .from(mentorProfiles)
    .innerJoin(users, eq(users.id, mentorProfiles.user_id))
    .where(and(eq(mentorProfiles.user_id, input.mentor_id), eq(users.status, 'active')));
  if (!target) throw notFound('Mentor');
  if (!target.is_available) throw conflict('This mentor is not taking requests at the moment');
  const [active] = await ctx.db
    .select({ id: mentorships.id })
    .from(mentorships)
    .where(and(eq(mentorships.mentor_id, input.mentor_id), eq(mentorships.student_id, actor.id), eq(mentorships.status, 'active')));
  if (active) throw conflict('This person already mentors you');
  const expiryDays = await getSetting(ctx, 'mentorship_request_expiry_days');
  try {
    const id = await ctx.db.transaction(async (tx) => {
      // A lapsed request the sweep has not reached yet must not block asking again.
      await expireWhere(ctx, tx, and(eq(mentorshipRequests.student_id, actor.id), eq(mentorshipRequests.mentor_id, input.mentor_id)));
      const [created] = await tx
        .insert(mentorshipRequests)
        .values({
          student_id: actor.id,
          mentor_id: input.mentor_id,
          request_message: input.request_message.trim(),
          goals: input.goals?.trim() || null,
          expires_at: sql`now() + make_interval(days => ${expiryDays})`,
        })
        .onConflictDoNothing()
        .returning({ id: mentorshipRequests.id });
      if (!created) throw conflict('You already have a pending request to this mentor', 'already_requested');
      await ctx.events.publish(tx, 'mentorship.requested', { requestId: created.id, mentorId: input.mentor_id, studentId: actor.id });
      return created.id;
    });
    return (await findRequest(ctx.db, id))!;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('You already have a pending request to this mentor', 'already_requested');
    throw err;
  }
}

/** The request, for the mentor it is addressed to; anyone else reads "not found". */
async function addressedRequest(ctx: AppContext, actor: Actor, requestId: string) {
  const row = await findRequest(ctx.db, requestId);
  if (!row || row.mentor_id !== actor.id) throw notFound('Mentorship request');
  return row;
}

/**
 * Accepting moves the request from pending (one conditional UPDATE: a second accept finds it no
 * longer pending), takes a seat with a conditional counter UPDATE (the mentor row's lock orders
 * simultaneous accepts; the check constraint backs it) and opens the mentorship, in one transaction.
 */
export async function acceptRequest(ctx: AppContext, actor: Actor, requestId: string) {
  const row = await addressedRequest(ctx, actor, requestId);
  await ctx.db.transaction(async (tx) => {
    const [moved] = await tx
      .update(mentorshipRequests)
      .set({ status: 'accepted', accepted_at: new Date() })
      .where(and(eq(mentorshipRequests.id, requestId), eq(mentorshipRequests.status, 'pending'), notLapsed))
      .returning({ id: mentorshipRequests.id });
    if (!moved) throw conflict(`This request is ${row.status === 'pending' ? 'expired' : row.status} and can no longer be accepted`);
    const [seat] = await tx
      .update(mentorProfiles)
      .set({ current_mentees_count: sql`${mentorProfiles.current_mentees_count} + 1`, updated_at: new Date() })
      .where(and(eq(mentorProfiles.user_id, actor.id), sql`${mentorProfiles.current_mentees_count} < ${mentorProfiles.max_mentees}`))
      .returning({ user_id: mentorProfiles.user_id });
    if (!seat) throw conflict('You are mentoring as many people as your max_mentees allows', 'capacity_full');
    const [created] = await tx
      .insert(mentorships)
      .values({ request_id: requestId, mentor_id: actor.id, student_id: row.student_id })
      .onConflictDoNothing()
      .returning({ id: mentorships.id });
    if (!created) throw conflict('This person already has an active mentorship with you');
    await ctx.events.publish(tx, 'mentorship.request_accepted', {
      requestId,
      mentorshipId: created.id,
      mentorId: actor.id,
      studentId: row.student_id,
    });
  });
  return (await findRequest(ctx.db, requestId))!;
}

export async function rejectRequest(ctx: AppContext, actor: Actor, requestId: string, input: RejectBody) {
  const row = await addressedRequest(ctx, actor, requestId);
  const reason = (input.rejection_reason ?? input.reason)?.trim() || null;
  await ctx.db.transaction(async (tx) => {
    const [moved] = await tx
      .update(mentorshipRequests)
      .set({ status: 'rejected', rejected_at: new Date(), rejection_reason: reason })
      .where(and(eq(mentorshipRequests.id, requestId), eq(mentorshipRequests.status, 'pending')))
      .returning({ id: mentorshipRequests.id });
    if (!moved) throw conflict(`This request is ${row.status} and can no longer be rejected`);
    await ctx.events.publish(tx, 'mentorship.request_rejected', { requestId, mentorId: actor.id, studentId: row.student_id, reason });
  });
  return (await findRequest(ctx.db, requestId))!;
}

/** Expires the pending requests older than the TTL among `where`, each with its event, in `tx`. */
async function expireWhere(ctx: AppContext, tx: Tx, where: SQL | undefined) {
  const expired = await tx
    .update(mentorshipRequests)
    .set({ status: 'expired', expired_at: new Date() })
    .where(and(where, eq(mentorshipRequests.status, 'pending'), sql`NOT ${notLapsed}`))
    .returning({ id: mentorshipRequests.id, mentor_id: mentorshipRequests.mentor_id, student_id: mentorshipRequests.student_id });
  for (const r of expired) {
    await ctx.events.publish(tx, 'mentorship.request_expired', { requestId: r.id, mentorId: r.mentor_id, studentId: r.student_id });
  }
  return expired.length;
}

/** The scheduled sweep: batches of 500, each its own transaction; idempotent (a second run finds none). */
export async function expireStaleRequests(ctx: AppContext) {
  let total = 0;
  for (;;) {
    const n = await ctx.db.transaction((tx) =>
      expireWhere(
        ctx,
        tx,
        sql`${mentorshipRequests.id} IN (SELECT id FROM mentorship_requests WHERE status = 'pending'
          AND expires_at <= now() ORDER BY expires_at LIMIT 500 FOR UPDATE SKIP LOCKED)`,
      ),
    );
    total += n;
    if (n < 500) return total;
  }
}

// Newest first, each list under its own name (a cursor of one is a 400 on the other): the order of
// mentorship_requests_{mentor,student}_idx and mentorships_{mentor,student}_idx.
const receivedList = newestFirst('mentorship.requests.received', mentorshipRequests.requested_at, mentorshipRequests.id);
const sentList = newestFirst('mentorship.requests.sent', mentorshipRequests.requested_at, mentorshipRequests.id);
const activeList = newestFirst('mentorship.active', mentorships.started_at, mentorships.id);

async function pageOfRequests(ctx: AppContext, list: typeof receivedList, where: SQL, query: RequestListQuery) {
  const status = query.status ? eq(mentorshipRequests.status, query.status) : undefined;
  const rows = await selectRequests(ctx.db)
    .where(and(where, status, list.after(ctx, query.cursor)))
    .orderBy(list.orderBy)
    .limit(query.limit + 1);
  return list.page(ctx, rows, query.limit);
}

export const listReceivedRequests = (ctx: AppContext, actor: Actor, query: RequestListQuery) =>
  pageOfRequests(ctx, receivedList, eq(mentorshipRequests.mentor_id, actor.id), query);

export const listSentRequests = (ctx: AppContext, actor: Actor, query: RequestListQuery) =>
  pageOfRequests(ctx, sentList, eq(mentorshipRequests.student_id, actor.id), query);

/** The caller's active mentorships, as mentor or as mentee, newest first. */
export async function listActiveMentorships(ctx: AppContext, actor: Actor, query: { limit: number; cursor?: string }) {
  const rows = await selectMentorships(ctx.db)
    .where(
      and(
        or(eq(mentorships.mentor_id, actor.id), eq(mentorships.student_id, actor.id)),
        eq(mentorships.status, 'active'),
        activeList.after(ctx, query.cursor),
      ),
    )
    .orderBy(activeList.orderBy)
    .limit(query.limit + 1);
  return activeList.page(ctx, rows, query.limit);
}

/** Either side ends it: the seat frees, sessions still ahead are cancelled, all in one transaction. */
export async function endMentorship(ctx: AppContext, actor: Actor, mentorshipId: string, input: EndBody) {
  const row = await participantMentorship(ctx.db, actor, mentorshipId);
  await ctx.db.transaction(async (tx) => {
    const [ended] = await tx
      .update(mentorships)
      .set({ status: 'ended', ended_at: new Date(), ended_by: actor.id, end_reason: input.reason?.trim() || null })
      .where(and(eq(mentorships.id, mentorshipId), eq(mentorships.status, 'active')))
      .returning({ id: mentorships.id });
    if (!ended) throw conflict('This mentorship has already ended');
    await tx
      .update(mentorProfiles)
      .set({ current_mentees_count: sql`${mentorProfiles.current_mentees_count} - 1`, updated_at: new Date() })
      .where(eq(mentorProfiles.user_id, row.mentor_id));
    await tx
      .update(mentorshipSessions)
      .set({ status: 'cancelled', cancelled_at: new Date(), cancelled_by: actor.id, updated_at: new Date() })
      .where(and(eq(mentorshipSessions.mentorship_id, mentorshipId), eq(mentorshipSessions.status, 'scheduled')));
    await ctx.events.publish(tx, 'mentorship.ended', {
      mentorshipId,
      mentorId: row.mentor_id,
      studentId: row.student_id,
      byUserId: actor.id,
    });
  });
  return participantMentorship(ctx.db, actor, mentorshipId);
}
