import { and, eq, getTableColumns, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { bumpGeneration } from '../../lib/cache.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest, conflict, forbidden, notFound } from '../../lib/errors.js';
import { storableInstant } from '../../lib/schemas.js';
import type { Upload } from '../../lib/uploads.js';
import { storeUpload } from '../files/files.service.js';
import './events.domain-events.js';
import { scheduleEventReminder } from './events.reminders.js';
import { answeredYesOrMaybe, isEventManager, promoteFromWaitlist, selectEventsWithMyRsvp, toEventWithMyRsvp } from './events.queries.js';
import type { CancelEventBody, CreateEventBody, UpdateEventBody } from './events.schemas.js';
import { events } from './events.tables.js';

/** Longest event accepted: it bounds how far back "upcoming" has to look (an index range, not a scan). */
export const MAX_EVENT_DAYS = 30;

/** The cache namespace of values derived from the events table (discovery counts): every committed event write bumps it. */
export const EVENTS_CACHE = 'events';
const eventsChanged = (ctx: AppContext) => bumpGeneration(ctx, EVENTS_CACHE);

function checkTimezone(timezone: string) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw badRequest('timezone', 'must be an IANA time zone name such as Asia/Kolkata');
  }
}

interface Schedule {
  start_date: Date;
  end_date: Date;
  registration_deadline: Date | null;
  is_virtual: boolean;
  location: string | null;
  meeting_link: string | null;
}

/** The rules that join several fields: each failure is a 400 naming the field to fix. */
function checkSchedule(s: Schedule, startMustBeFuture: boolean) {
  if (startMustBeFuture && s.start_date.getTime() <= Date.now()) throw badRequest('start_date', 'must be in the future');
  if (s.end_date.getTime() <= s.start_date.getTime()) throw badRequest('end_date', 'must be after start_date');
  if (s.end_date.getTime() - s.start_date.getTime() > MAX_EVENT_DAYS * 86_400_000)
    throw badRequest('end_date', `must be at most ${MAX_EVENT_DAYS} days after start_date`);
  if (s.registration_deadline && s.registration_deadline.getTime() > s.start_date.getTime())
    throw badRequest('registration_deadline', 'must not be after start_date');
  if (s.is_virtual && !s.meeting_link) throw badRequest('meeting_link', 'is required for a virtual event');
  if (!s.is_virtual && !s.location) throw badRequest('location', 'is required for an in-person event');
}

/** A validated date-time as the instant it names (400 naming the field when an offset carries it out of years 0001–9999). */
const instant = (field: keyof Schedule, v: string) => storableInstant(field, v);
const dateOrNull = (field: keyof Schedule, v: string | null | undefined) => (v ? instant(field, v) : null);
const trimOrNull = (v: string | null | undefined) => v?.trim() || null;

export async function createEvent(ctx: AppContext, actor: Actor, input: CreateEventBody) {
  const timezone = input.timezone?.trim() || 'UTC';
  checkTimezone(timezone);
  const schedule: Schedule = {
    start_date: instant('start_date', input.start_date),
    end_date: instant('end_date', input.end_date),
    registration_deadline: dateOrNull('registration_deadline', input.registration_deadline),
    is_virtual: input.is_virtual ?? false,
    location: trimOrNull(input.location),
    meeting_link: trimOrNull(input.meeting_link),
  };
  checkSchedule(schedule, true);
  const id = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(events)
      .values({
        ...schedule,
        title: input.title.trim(),
        description: input.description.trim(),
        event_type: input.event_type,
        timezone,
        max_attendees: input.max_attendees ?? null,
        waitlist_enabled: input.waitlist_enabled ?? false,
        created_by: actor.id,
      })
      .returning({ id: events.id });
    await scheduleEventReminder(ctx, tx, row.id, schedule.start_date);
    await ctx.events.publish(tx, 'event.created', { eventId: row.id, createdBy: actor.id });
    return row.id;
  });
  await eventsChanged(ctx);
  return getEvent(ctx, actor, id);
}

/** An event (cancelled ones stay readable) with the caller's own answer; deleted ones read 404. */
export async function getEvent(ctx: AppContext, actor: Actor, eventId: string) {
  const [row] = await selectEventsWithMyRsvp(ctx.db, actor.id).where(and(eq(events.id, eventId), isNull(events.deleted_at)));
  if (!row) throw notFound('Event');
  return toEventWithMyRsvp(ctx, row);
}

/** The event, locked for this transaction, if the actor may change it: 404 unknown, 403 someone else's. */
export async function lockEventToChange(tx: Tx, actor: Actor, eventId: string) {
  const [event] = await tx
    .select({
      ...getTableColumns(events),
      has_ended: sql<boolean>`(${events.end_date} <= now())`,
    })
    .from(events)
    .where(and(eq(events.id, eventId), isNull(events.deleted_at)))
    .for('no key update');
  if (!event) throw notFound('Event');
  if (!isEventManager(actor, event)) throw forbidden('Only the creator or an admin may change this event');
  return event;
}

const refuseFinished = (event: { cancelled_at: Date | null; has_ended: boolean }) => {
  if (event.cancelled_at) throw conflict('The event was cancelled', 'event_cancelled');
  if (event.has_ended) throw conflict('The event has ended', 'event_ended');
};

export async function updateEvent(ctx: AppContext, actor: Actor, eventId: string, input: UpdateEventBody) {
  await ctx.db.transaction(async (tx) => {
    const current = await lockEventToChange(tx, actor, eventId);
    refuseFinished(current);
    if (input.timezone !== undefined) checkTimezone(input.timezone.trim());
    const pick = <K extends keyof Schedule>(key: K, next: Schedule[K] | undefined) => (next === undefined ? current[key] : next);
    const schedule: Schedule = {
      start_date: pick('start_date', input.start_date ? instant('start_date', input.start_date) : undefined),
      end_date: pick('end_date', input.end_date ? instant('end_date', input.end_date) : undefined),
      registration_deadline: pick(
        'registration_deadline',
        input.registration_deadline === undefined ? undefined : dateOrNull('registration_deadline', input.registration_deadline),
      ),
      is_virtual: pick('is_virtual', input.is_virtual),
      location: pick('location', input.location === undefined ? undefined : trimOrNull(input.location)),
      meeting_link: pick('meeting_link', input.meeting_link === undefined ? undefined : trimOrNull(input.meeting_link)),
    };
    const moved = schedule.start_date.getTime() !== current.start_date.getTime();
    checkSchedule(schedule, moved);
    const max = input.max_attendees === undefined ? current.max_attendees : input.max_attendees;
    if (max !== null && max < current.attending_count)
      throw badRequest('max_attendees', `must be at least the number of people attending (${current.attending_count})`);
    await tx
      .update(events)
      .set({
        ...schedule,
        title: input.title?.trim() ?? current.title,
        description: input.description?.trim() ?? current.description,
        event_type: input.event_type ?? current.event_type,
        timezone: input.timezone?.trim() ?? current.timezone,
        max_attendees: max,
        waitlist_enabled: input.waitlist_enabled ?? current.waitlist_enabled,
        sequence: sql`${events.sequence} + 1`,
        updated_at: new Date(),
      })
      .where(eq(events.id, eventId));
    // More seats: the waitlist moves up now, in this transaction.
    if (max === null || max > current.attending_count) await promoteFromWaitlist(ctx, tx, eventId);
    if (moved) await scheduleEventReminder(ctx, tx, eventId, schedule.start_date);
  });
  await eventsChanged(ctx);
  return getEvent(ctx, actor, eventId);
}

/** Cancelling keeps the event readable (status "cancelled") and tells everyone who meant to come. */
export async function cancelEvent(ctx: AppContext, actor: Actor, eventId: string, input: CancelEventBody) {
  await ctx.db.transaction(async (tx) => {
    refuseFinished(await lockEventToChange(tx, actor, eventId));
    const reason = trimOrNull(input.reason);
    await tx
      .update(events)
      .set({ cancelled_at: new Date(), cancel_reason: reason, sequence: sql`${events.sequence} + 1`, updated_at: new Date() })
      .where(eq(events.id, eventId));
    const recipientIds = (await answeredYesOrMaybe(tx, eventId)).filter((id) => id !== actor.id);
    await ctx.events.publish(tx, 'event.cancelled', { eventId, cancelledBy: actor.id, reason, recipientIds });
  });
  await eventsChanged(ctx);
  return getEvent(ctx, actor, eventId);
}

/** Soft delete: the event reads 404 and leaves every list; answers stay for the record. */
export async function deleteEvent(ctx: AppContext, actor: Actor, eventId: string) {
  await ctx.db.transaction(async (tx) => {
    await lockEventToChange(tx, actor, eventId);
    await tx.update(events).set({ deleted_at: new Date(), updated_at: new Date() }).where(eq(events.id, eventId));
  });
  await eventsChanged(ctx);
}

/** The banner follows the profile photo's rules (JPEG/PNG/WebP ≤ 5 MB, checked from the bytes). */
export async function attachEventBanner(ctx: AppContext, actor: Actor, eventId: string, upload: Upload) {
  await ctx.db.transaction((tx) => lockEventToChange(tx, actor, eventId)); // access first, before storing anything
  const key = await storeUpload(ctx, 'banners', upload);
  let previous: string | null = null;
  try {
    previous = await ctx.db.transaction(async (tx) => {
      const event = await lockEventToChange(tx, actor, eventId);
      await tx.update(events).set({ banner_key: key, updated_at: new Date() }).where(eq(events.id, eventId));
      return event.banner_key;
    });
  } catch (err) {
    await ctx.storage.delete(key).catch(() => {});
    throw err;
  }
  if (previous) await ctx.storage.delete(previous).catch(() => {});
  return getEvent(ctx, actor, eventId);
}
