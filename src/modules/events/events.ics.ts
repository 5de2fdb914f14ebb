import ical, { ICalEventStatus } from 'ical-generator';
import type { Db, Tx } from '../../db/client.js';
import type { AppContext } from '../../lib/context.js';
import { notFound } from '../../lib/errors.js';
import { findEvent } from './events.queries.js';

/** What a calendar entry needs from an event row. */
export interface CalendarEvent {
  id: string;
  title: string;
  description: string;
  location: string | null;
  is_virtual: boolean;
  meeting_link: string | null;
  start_date: Date;
  end_date: Date;
  timezone: string;
  sequence: number;
  cancelled_at: Date | null;
}

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one. */
const wallClockFormats = new Map<string, Intl.DateTimeFormat>();
function wallClockFormat(timeZone: string) {
  let format = wallClockFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    wallClockFormats.set(timeZone, format);
  }
  return format;
}

/** The wall-clock fields of an instant in an IANA zone (from Intl; no time zone library needed). */
function wallClockFields(date: Date, timeZone: string) {
  const parts = wallClockFormat(timeZone).formatToParts(date);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return [get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')] as const;
}

/** Minutes east of UTC of an IANA zone at an instant. */
function offsetMinutes(date: Date, timeZone: string) {
  const wall = Date.UTC(...wallClockFields(date, timeZone));
  return Math.round((wall - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
}

const formatOffset = (minutes: number) => {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
};
const formatLocal = (utcMs: number, offset: number) =>
  new Date(utcMs + offset * 60_000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, '');

/**
 * A VTIMEZONE that is exact for the event's span: one onset with the offset at the start and, when
 * a daylight-saving change falls inside the event, a second onset at that change (found to the
 * minute). A one-off event needs no more than that, and no tz database has to ship with Cohort.
 */
function vtimezone(timeZone: string, start: Date, end: Date) {
  const first = offsetMinutes(start, timeZone);
  const last = offsetMinutes(end, timeZone);
  const onset = (at: number, from: number, to: number) => [
    'BEGIN:STANDARD',
    `DTSTART:${formatLocal(at, from)}`,
    `TZOFFSETFROM:${formatOffset(from)}`,
    `TZOFFSETTO:${formatOffset(to)}`,
    'END:STANDARD',
  ];
  const lines = ['BEGIN:VTIMEZONE', `TZID:${timeZone}`, ...onset(Date.UTC(1970, 0, 1), first, first)];
  if (last !== first) {
    // In whole minutes: lo still has the first offset, hi already the last one.
    let lo = Math.floor(start.getTime() / 60_000);
    let hi = Math.ceil(end.getTime() / 60_000);
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (offsetMinutes(new Date(mid * 60_000), timeZone) === first) lo = mid;
      else hi = mid;
    }
    lines.push(...onset(hi * 60_000, first, last));
  }
  return [...lines, 'END:VTIMEZONE'].join('\r\n');
}

/** RFC 5545 TEXT escaping (backslash, semicolon, comma, line breaks) for values the library leaves raw. */
const icsText = (value: string) => value.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r\n|\r|\n/g, '\\n');

/**
 * The iCalendar text of an event: start and end in the event's own time zone (TZID + VTIMEZONE),
 * the place or the meeting link, and a UID derived from the event id, so every download and every
 * e-mail attachment updates the same calendar entry (SEQUENCE grows with each change; a cancelled
 * event says STATUS:CANCELLED).
 */
export function eventCalendar(event: CalendarEvent, publicUrl: string) {
  const host = new URL(publicUrl).hostname || 'cohort';
  // ical-generator writes the calendar's NAME / X-WR-CALNAME verbatim (it escapes only the event's
  // properties): a line break in the title would start new lines (ATTENDEE:, END:VEVENT, ...) in every
  // downloaded or mailed file. Escape it as RFC 5545 TEXT.
  const calendar = ical({ prodId: { company: 'Cohort', product: 'Events', language: 'EN' }, name: icsText(event.title) });
  const zoned = event.timezone !== 'UTC';
  // With an event time zone, ical-generator writes a native Date's fields in the *process's* local
  // time as the wall clock: hand it a Date whose local fields are the wall clock in the event's zone.
  const wallClock = (date: Date) => (zoned ? new Date(...wallClockFields(date, event.timezone)) : date);
  const link = `${publicUrl}/events/${event.id}`;
  const where = event.is_virtual ? (event.meeting_link ?? event.location) : (event.location ?? event.meeting_link);
  calendar.createEvent({
    id: `${event.id}@${host}`,
    sequence: event.sequence,
    start: wallClock(event.start_date),
    end: wallClock(event.end_date),
    timezone: zoned ? event.timezone : undefined,
    summary: event.title,
    description: [event.description, event.meeting_link ? `Join: ${event.meeting_link}` : null, `Details: ${link}`]
      .filter(Boolean)
      .join('\n\n'),
    location: where,
    url: event.is_virtual && event.meeting_link ? event.meeting_link : link,
    status: event.cancelled_at ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  const text = calendar.toString();
  // The VTIMEZONE goes in by hand: setting a calendar time zone would also turn DTSTAMP into local time.
  return zoned ? text.replace('BEGIN:VEVENT', `${vtimezone(event.timezone, event.start_date, event.end_date)}\r\nBEGIN:VEVENT`) : text;
}

/**
 * The calendar file of an event as a mail attachment (also for the notification service's RSVP
 * confirmation): `{ filename, contentType, content }`, the shape nodemailer's `attachments` takes.
 * Null when the event is gone.
 */
export async function eventIcsAttachment(db: Db | Tx, eventId: string, publicUrl: string) {
  const event = await findEvent(db, eventId);
  return event ? icsAttachment(event, publicUrl) : null;
}

/** The attachment of an event already read (a live one: the caller checks it is not deleted). */
export const icsAttachment = (event: CalendarEvent, publicUrl: string) => ({
  filename: 'event.ics',
  contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
  content: eventCalendar(event, publicUrl),
});

/** The download: 404 for an unknown or deleted event. */
export async function eventIcsFile(ctx: AppContext, eventId: string) {
  const file = await eventIcsAttachment(ctx.db, eventId, ctx.config.publicUrl);
  if (!file) throw notFound('Event');
  return file;
}
