import type { Faker } from '@faker-js/faker';
import { sql } from 'drizzle-orm';
import type { SeededUser } from '../../db/seed.js';
import { bumpGeneration } from '../../lib/cache.js';
import type { AppContext } from '../../lib/context.js';
import { scheduleEventReminder } from './events.reminders.js';
import { EVENTS_CACHE } from './events.service.js';
import { eventRsvps, events, eventTypes, type RsvpStatus } from './events.tables.js';

const PLACES = ['Main Auditorium, Pune', 'Alumni Lounge, Bangalore', 'Conference Hall B, Hyderabad', 'Rooftop Cafe, Mumbai', 'Campus Lawn'];
const ZONES = ['Asia/Kolkata', 'Asia/Kolkata', 'Europe/London', 'America/New_York', 'UTC'];
const TOPICS = [
  'Careers in Data',
  'Batch of 2015 Reunion',
  'Startup Founders Panel',
  'Resume Clinic',
  'Cloud Native Workshop',
  'Networking Night',
];
const ANSWERS: RsvpStatus[] = ['attending', 'attending', 'attending', 'maybe', 'not_attending'];
const BATCH = 1000;
const HOUR = 3_600_000;

/**
 * Demo events (past and upcoming, some full with a waitlist, a few cancelled) created by alumni and
 * faculty, with RSVPs whose counters and waitlist order match the rows. Deterministic given the
 * faker seed; a second run gets no new users and so adds nothing.
 */
export async function seedEvents(ctx: AppContext, faker: Faker, users: SeededUser[]) {
  const hosts = users.filter((u) => u.role === 'alumni' || u.role === 'faculty' || u.role === 'admin');
  if (!hosts.length) return { events: 0, rsvps: 0 };
  const now = Date.now();
  const rows = Array.from({ length: Math.max(1, Math.floor(users.length / 10)) }, () => {
    const virtual = faker.datatype.boolean({ probability: 0.3 });
    const start = new Date(now + faker.number.int({ min: -60, max: 60 }) * 24 * HOUR + faker.number.int({ min: 9, max: 18 }) * HOUR);
    const capped = faker.datatype.boolean();
    return {
      title: `${faker.helpers.arrayElement(TOPICS)} ${faker.number.int({ min: 1, max: 99 })}`,
      description: faker.lorem.paragraphs(2),
      event_type: faker.helpers.arrayElement(eventTypes),
      is_virtual: virtual,
      location: virtual ? null : faker.helpers.arrayElement(PLACES),
      meeting_link: virtual ? `https://meet.example.com/${faker.string.alphanumeric(10)}` : null,
      start_date: start,
      end_date: new Date(start.getTime() + faker.number.int({ min: 1, max: 4 }) * HOUR),
      timezone: faker.helpers.arrayElement(ZONES),
      registration_deadline: faker.datatype.boolean() ? new Date(start.getTime() - 24 * HOUR) : null,
      max_attendees: capped ? faker.number.int({ min: 3, max: 40 }) : null,
      waitlist_enabled: capped && faker.datatype.boolean(),
      created_by: faker.helpers.arrayElement(hosts).id,
      cancelled_at: faker.datatype.boolean({ probability: 0.05 }) ? new Date(start.getTime() - 48 * HOUR) : null,
      created_at: new Date(start.getTime() - faker.number.int({ min: 5, max: 30 }) * 24 * HOUR),
    };
  });
  const inserted: {
    id: string;
    start_date: Date;
    max_attendees: number | null;
    waitlist_enabled: boolean;
    created_at: Date;
    cancelled_at: Date | null;
  }[] = [];
  for (let i = 0; i < rows.length; i += BATCH) {
    inserted.push(
      ...(await ctx.db
        .insert(events)
        .values(rows.slice(i, i + BATCH))
        .returning({
          id: events.id,
          start_date: events.start_date,
          max_attendees: events.max_attendees,
          waitlist_enabled: events.waitlist_enabled,
          created_at: events.created_at,
          cancelled_at: events.cancelled_at,
        })),
    );
  }

  const rsvpRows: (typeof eventRsvps.$inferInsert)[] = [];
  for (const event of inserted) {
    let attending = 0;
    const guests = faker.helpers.arrayElements(users, { min: 0, max: Math.min(30, users.length) });
    guests.forEach((guest, i) => {
      let status = faker.helpers.arrayElement(ANSWERS);
      if (status === 'attending' && event.max_attendees !== null && attending >= event.max_attendees) {
        status = event.waitlist_enabled ? 'waitlisted' : 'maybe';
      }
      if (status === 'attending') attending++;
      rsvpRows.push({
        event_id: event.id,
        user_id: guest.id,
        status,
        // Answers arrive in list order, so the waitlist's arrival order is the order of the rows.
        rsvp_date: new Date(event.created_at.getTime() + (i + 1) * HOUR),
        // From the live sequence (drizzle's insert type does not admit SQL here, its values() does).
        waitlist_seq: (status === 'waitlisted' ? sql`nextval('event_waitlist_seq')` : null) as unknown as number | null,
      });
    });
  }
  await ctx.db.transaction(async (tx) => {
    for (let i = 0; i < rsvpRows.length; i += BATCH) await tx.insert(eventRsvps).values(rsvpRows.slice(i, i + BATCH));
    // Counters from the rows just written.
    await tx.execute(sql`
      UPDATE events e SET attending_count = c.attending, waitlist_count = c.waitlisted
        FROM (SELECT event_id, count(*) FILTER (WHERE status = 'attending')::int AS attending,
                     count(*) FILTER (WHERE status = 'waitlisted')::int AS waitlisted
                FROM event_rsvps WHERE event_id = ANY(${`{${inserted.map((e) => e.id).join(',')}}`}::uuid[]) GROUP BY event_id) c
       WHERE e.id = c.event_id`);
    for (const event of inserted) if (!event.cancelled_at) await scheduleEventReminder(ctx, tx, event.id, event.start_date);
  });
  await bumpGeneration(ctx, EVENTS_CACHE); // a shared (Redis) cache may hold counts from before the seed
  return { events: inserted.length, rsvps: rsvpRows.length };
}
