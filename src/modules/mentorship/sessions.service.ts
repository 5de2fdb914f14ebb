import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest, conflict, forbidden, notFound } from '../../lib/errors.js';
import { cursorTimestamp, keyset } from '../../lib/pagination.js';
import { storableInstant } from '../../lib/schemas.js';
import type { FeedbackBody, ScheduleBody, SessionListQuery, UpdateSessionBody } from './mentorship.schemas.js';
import { mentorProfiles, mentorships, mentorshipSessions } from './mentorship.tables.js';
import { mentorsChanged } from './mentors.service.js';
import { participantMentorship } from './requests.service.js';

export const REMINDER_QUEUE = 'mentorship.session-reminder';
const DAY_MS = 86_400_000;

const sessionColumns = (viewerId: string) => ({
  id: mentorshipSessions.id,
  mentorship_id: mentorshipSessions.mentorship_id,
  mentor_id: mentorships.mentor_id,
  student_id: mentorships.student_id,
  scheduled_date: mentorshipSessions.scheduled_date,
  duration: mentorshipSessions.duration,
  status: mentorshipSessions.status,
  meeting_link: mentorshipSessions.meeting_link,
  agenda: mentorshipSessions.agenda,
  // Private to the mentor, decided in the query so the mentee's answer never carries them.
  notes: sql<string | null>`CASE WHEN ${mentorships.mentor_id} = ${viewerId}::uuid THEN ${mentorshipSessions.notes} END`,
  feedback: mentorshipSessions.feedback,
  rating: mentorshipSessions.rating,
  feedback_at: mentorshipSessions.feedback_at,
  completed_at: mentorshipSessions.completed_at,
  cancelled_at: mentorshipSessions.cancelled_at,
  created_at: mentorshipSessions.created_at,
  updated_at: mentorshipSessions.updated_at,
  cursor_ts: cursorTimestamp(mentorshipSessions.scheduled_date),
});

const selectSessions = (db: Tx, viewerId: string) =>
  db.select(sessionColumns(viewerId)).from(mentorshipSessions).innerJoin(mentorships, eq(mentorships.id, mentorshipSessions.mentorship_id));

const isParticipant = (actor: Actor) => or(eq(mentorships.mentor_id, actor.id), eq(mentorships.student_id, actor.id));

/** A session of a mentorship the actor takes part in; to anyone else it does not exist. */
async function participantSession(db: Tx, actor: Actor, sessionId: string) {
  const [row] = await selectSessions(db, actor.id).where(and(eq(mentorshipSessions.id, sessionId), isParticipant(actor)));
  if (!row) throw notFound('Session');
  return row;
}

type SessionRow = Awaited<ReturnType<typeof participantSession>>;

function futureDate(value: string) {
  const date = storableInstant('scheduled_date', value);
  if (date.getTime() <= Date.now()) throw badRequest('scheduled_date', 'must be in the future');
  return date;
}

const eventOf = (
  row: { id: string; mentorship_id: string; mentor_id: string; student_id: string },
  date: Date,
  byUserId: string | null,
) => ({
  sessionId: row.id,
  mentorshipId: row.mentorship_id,
  mentorId: row.mentor_id,
  studentId: row.student_id,
  scheduledDate: date.toISOString(),
  byUserId,
});

/**
 * Queues the 24 h reminder for this start time. The job carries the start time; the handler only
 * acts if the session still starts then (a rescheduled session's old reminder is a no-op) and marks
 * it sent with a conditional UPDATE (at-least-once delivery, one reminder). Sessions less than a day
 * ahead get none: the "scheduled" notification has just told both.
 */
export async function queueReminder(ctx: AppContext, tx: Tx, sessionId: string, date: Date) {
  const startAfter = new Date(date.getTime() - DAY_MS);
  if (startAfter.getTime() <= Date.now()) return;
  const scheduledDate = date.toISOString();
  await ctx.jobs.send(tx, REMINDER_QUEUE, { sessionId, scheduledDate }, { startAfter, singletonKey: `${sessionId}@${scheduledDate}` });
}

export async function sendSessionReminder(ctx: AppContext, data: { sessionId: string; scheduledDate: string }) {
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(mentorshipSessions)
      .set({ reminder_sent_for: mentorshipSessions.scheduled_date })
      .where(
        and(
          eq(mentorshipSessions.id, data.sessionId),
          eq(mentorshipSessions.status, 'scheduled'),
          sql`${mentorshipSessions.scheduled_date} = ${data.scheduledDate}::timestamptz`,
          sql`${mentorshipSessions.reminder_sent_for} IS DISTINCT FROM ${mentorshipSessions.scheduled_date}`,
        ),
      )
      .returning({ id: mentorshipSessions.id, mentorship_id: mentorshipSessions.mentorship_id });
    if (!row) return;
    const [pair] = await tx
      .select({ mentor_id: mentorships.mentor_id, student_id: mentorships.student_id })
      .from(mentorships)
      .where(eq(mentorships.id, row.mentorship_id));
    await ctx.events.publish(tx, 'mentorship.session_reminder', eventOf({ ...row, ...pair }, new Date(data.scheduledDate), null));
  });
}

/** Either participant of an active mentorship schedules; the session starts `scheduled`. */
export async function scheduleSession(ctx: AppContext, actor: Actor, mentorshipId: string, input: ScheduleBody) {
  const pair = await participantMentorship(ctx.db, actor, mentorshipId);
  const date = futureDate(input.scheduled_date);
  const id = await ctx.db.transaction(async (tx) => {
    // Conditional on the mentorship being active at this instant (a concurrent end wins or waits).
    const [active] = await tx
      .select({ id: mentorships.id })
      .from(mentorships)
      .where(and(eq(mentorships.id, mentorshipId), eq(mentorships.status, 'active')))
      .for('share');
    if (!active) throw conflict('This mentorship has ended; sessions can no longer be scheduled');
    const [created] = await tx
      .insert(mentorshipSessions)
      .values({
        mentorship_id: mentorshipId,
        scheduled_date: date,
        duration: input.duration,
        meeting_link: input.meeting_link ?? null,
        agenda: input.agenda?.trim() || null,
        created_by: actor.id,
      })
      .returning({ id: mentorshipSessions.id });
    await queueReminder(ctx, tx, created.id, date);
    await ctx.events.publish(
      tx,
      'mentorship.session_scheduled',
      eventOf({ ...pair, id: created.id, mentorship_id: mentorshipId }, date, actor.id),
    );
    return created.id;
  });
  return participantSession(ctx.db, actor, id);
}

/** By start time then id; upcoming sessions soonest first, the rest latest first (each its own list). */
const byStart = (list: string, direction: 'asc' | 'desc') =>
  keyset<{ cursor_ts: string; id: string }>(
    list,
    direction,
    [
      { column: mentorshipSessions.scheduled_date, type: 'timestamp' },
      { column: mentorshipSessions.id, type: 'uuid' },
    ],
    (row) => [row.cursor_ts, row.id],
  );
const sessionLists = {
  upcoming: byStart('mentorship.sessions.upcoming', 'asc'),
  past: byStart('mentorship.sessions.past', 'desc'),
  all: byStart('mentorship.sessions', 'desc'),
};

export async function listSessions(ctx: AppContext, actor: Actor, query: SessionListQuery) {
  const upcoming = sql`(${mentorshipSessions.status} = 'scheduled' AND ${mentorshipSessions.scheduled_date} > now())`;
  const list = sessionLists[query.when ?? 'all'];
  const where: (SQL | undefined)[] = [isParticipant(actor), list.after(ctx, query.cursor)];
  if (query.when === 'upcoming') where.push(upcoming);
  if (query.when === 'past') where.push(sql`NOT ${upcoming}`);
  if (query.mentorship_id) where.push(eq(mentorshipSessions.mentorship_id, query.mentorship_id));
  const rows = await selectSessions(ctx.db, actor.id)
    .where(and(...where))
    .orderBy(list.orderBy)
    .limit(query.limit + 1);
  return list.page(ctx, rows, query.limit);
}

/** One conditional UPDATE of a session still in `from` status; a concurrent change makes it a 409. */
async function changeSession(tx: Tx, row: SessionRow, set: Partial<typeof mentorshipSessions.$inferInsert>, extra?: SQL) {
  const [changed] = await tx
    .update(mentorshipSessions)
    .set({ ...set, updated_at: new Date() })
    .where(and(eq(mentorshipSessions.id, row.id), eq(mentorshipSessions.status, row.status), extra))
    .returning({ id: mentorshipSessions.id });
  if (!changed) throw conflict('The session changed meanwhile; reload it and try again');
}

const requireScheduled = (row: SessionRow, action: string) => {
  if (row.status !== 'scheduled') throw conflict(`A ${row.status} session cannot be ${action}`);
};

/** Reschedule or edit (either participant), while scheduled and the mentorship active. */
export async function updateSession(ctx: AppContext, actor: Actor, sessionId: string, input: UpdateSessionBody) {
  const row = await participantSession(ctx.db, actor, sessionId);
  requireScheduled(row, 'changed');
  const date = input.scheduled_date === undefined ? undefined : futureDate(input.scheduled_date);
  await ctx.db.transaction(async (tx) => {
    const set: Partial<typeof mentorshipSessions.$inferInsert> = {};
    if (date) set.scheduled_date = date;
    if (input.duration !== undefined) set.duration = input.duration;
    if (input.meeting_link !== undefined) set.meeting_link = input.meeting_link;
    if (input.agenda !== undefined) set.agenda = input.agenda?.trim() || null;
    const active = sql`EXISTS (SELECT 1 FROM mentorships m WHERE m.id = ${mentorshipSessions.mentorship_id} AND m.status = 'active')`;
    await changeSession(tx, row, set, active);
    const moved = date !== undefined && date.getTime() !== row.scheduled_date.getTime();
    if (moved) await queueReminder(ctx, tx, row.id, date);
    await ctx.events.publish(tx, 'mentorship.session_changed', {
      ...eventOf(row, date ?? row.scheduled_date, actor.id),
      previousDate: row.scheduled_date.toISOString(),
    });
  });
  return participantSession(ctx.db, actor, sessionId);
}

export async function cancelSession(ctx: AppContext, actor: Actor, sessionId: string) {
  const row = await participantSession(ctx.db, actor, sessionId);
  requireScheduled(row, 'cancelled');
  await ctx.db.transaction(async (tx) => {
    await changeSession(tx, row, { status: 'cancelled', cancelled_at: new Date(), cancelled_by: actor.id });
    await ctx.events.publish(tx, 'mentorship.session_cancelled', eventOf(row, row.scheduled_date, actor.id));
  });
  return participantSession(ctx.db, actor, sessionId);
}

/** Either participant, once the start time has passed; the mentor's session count moves with it. */
export async function completeSession(ctx: AppContext, actor: Actor, sessionId: string) {
  const row = await participantSession(ctx.db, actor, sessionId);
  requireScheduled(row, 'completed');
  if (row.scheduled_date.getTime() > Date.now()) throw conflict('A session can be completed only after it has started');
  await ctx.db.transaction(async (tx) => {
    await changeSession(tx, row, { status: 'completed', completed_at: new Date() }, sql`${mentorshipSessions.scheduled_date} <= now()`);
    await tx
      .update(mentorProfiles)
      .set({ total_sessions: sql`${mentorProfiles.total_sessions} + 1`, updated_at: new Date() })
      .where(eq(mentorProfiles.user_id, row.mentor_id));
    await ctx.events.publish(tx, 'mentorship.session_completed', eventOf(row, row.scheduled_date, actor.id));
  });
  return participantSession(ctx.db, actor, sessionId);
}

/**
 * The mentee rates a completed session once. The session UPDATE is conditional on no feedback yet,
 * and the mentor's running sum and count move in the same transaction (the average is a generated column).
 */
export async function submitFeedback(ctx: AppContext, actor: Actor, sessionId: string, input: FeedbackBody) {
  const row = await participantSession(ctx.db, actor, sessionId);
  if (row.student_id !== actor.id) throw forbidden('Only the mentee gives feedback on a session');
  if (row.status !== 'completed') throw conflict('Feedback is given on completed sessions');
  await ctx.db.transaction(async (tx) => {
    const [rated] = await tx
      .update(mentorshipSessions)
      .set({ rating: input.rating, feedback: input.feedback?.trim() || null, feedback_at: new Date(), updated_at: new Date() })
      .where(
        and(eq(mentorshipSessions.id, sessionId), eq(mentorshipSessions.status, 'completed'), sql`${mentorshipSessions.rating} IS NULL`),
      )
      .returning({ id: mentorshipSessions.id });
    if (!rated) throw conflict('You have already given feedback on this session');
    await tx
      .update(mentorProfiles)
      .set({
        rating_sum: sql`${mentorProfiles.rating_sum} + ${input.rating}`,
        rating_count: sql`${mentorProfiles.rating_count} + 1`,
        updated_at: new Date(),
      })
      .where(eq(mentorProfiles.user_id, row.mentor_id));
    await ctx.events.publish(tx, 'mentorship.feedback_received', { ...eventOf(row, row.scheduled_date, actor.id), rating: input.rating });
  });
  // The rating moved: counts filtered by min_rating change.
  await mentorsChanged(ctx);
  return participantSession(ctx.db, actor, sessionId);
}

/** The mentor's private notes on a session (any status). The mentee gets 403, others 404. */
export async function saveSessionNotes(ctx: AppContext, actor: Actor, sessionId: string, notes: string | null) {
  const row = await participantSession(ctx.db, actor, sessionId);
  if (row.mentor_id !== actor.id) throw forbidden('Only the mentor keeps notes on a session');
  await ctx.db
    .update(mentorshipSessions)
    .set({ notes: notes?.trim() || null, updated_at: new Date() })
    .where(eq(mentorshipSessions.id, sessionId));
  return participantSession(ctx.db, actor, sessionId);
}
