import { randomUUID } from 'node:crypto';
import ical from 'node-ical';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEvent,
  createTestApp,
  eventBody,
  multipart,
  PDF,
  PNG,
  problemOf,
  recordDomainEvents,
  rsvp,
  setEventTimes,
  type TestApp,
  type TestUser,
} from '../../../test/helpers.js';

const DAY = 86_400_000;
let t: TestApp;
let alumni: TestUser;
let otherAlumni: TestUser;
let admin: TestUser;
let faculty: TestUser;
let student: TestUser;
let recruiter: TestUser;
let domainEvents: ReturnType<typeof recordDomainEvents>;
beforeAll(async () => {
  t = await createTestApp();
  [alumni, otherAlumni, admin, faculty, student, recruiter] = await Promise.all(
    (['alumni', 'alumni', 'admin', 'faculty', 'student', 'recruiter'] as const).map((r) => t.user(r)),
  );
  domainEvents = recordDomainEvents(t);
});
afterAll(() => t?.close());

describe('POST /api/events/create', () => {
  it('when an alumnus creates an event, then 201 with derived status and counters, and event.created is published', async () => {
    const body = eventBody({
      max_attendees: 50,
      waitlist_enabled: true,
      registration_deadline: new Date(Date.now() + 9 * DAY).toISOString(),
    });
    const res = await alumni.inject({ method: 'POST', url: '/api/events/create', payload: body });
    expect(res.statusCode, res.body).toBe(201);
    const event = res.json();
    expect(event).toMatchObject({
      title: body.title,
      event_type: 'meetup',
      location: 'Pune, India',
      is_virtual: false,
      meeting_link: null,
      timezone: 'Asia/Kolkata',
      max_attendees: 50,
      waitlist_enabled: true,
      created_by: alumni.id,
      banner_url: null,
      banner_image: null,
      status: 'scheduled',
      attending_count: 0,
      waitlist_count: 0,
      my_rsvp: null,
    });
    expect(event.start_date).toBe(body.start_date);
    expect(event.banner_key).toBeUndefined();
    expect(domainEvents.of('event.created', (p) => p.eventId === event.id)).toEqual([{ eventId: event.id, createdBy: alumni.id }]);
  });

  it('when admins and faculty create, then 201; students and recruiters get 403 whatever the body', async () => {
    await createEvent(admin);
    await createEvent(faculty, { event_type: 'workshop' });
    for (const user of [student, recruiter]) {
      const res = await user.inject({ method: 'POST', url: '/api/events/create', payload: {} });
      expect(res.statusCode).toBe(403);
      expect(problemOf(res).code).toBe('forbidden');
    }
  });

  it('when nobody is signed in, then 401', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/events/create', payload: eventBody() });
    expect(res.statusCode).toBe(401);
  });

  it.each([
    ['start_date', { start_date: new Date(Date.now() - DAY).toISOString() }],
    ['end_date', { end_date: new Date(Date.now() + DAY).toISOString() }],
    ['end_date', { end_date: new Date(Date.now() + 50 * DAY).toISOString() }],
    ['registration_deadline', { registration_deadline: new Date(Date.now() + 11 * DAY).toISOString() }],
    ['timezone', { timezone: 'Mars/Olympus' }],
    ['meeting_link', { is_virtual: true, location: null }],
    ['meeting_link', { is_virtual: true, meeting_link: 'ftp://example.com/x' }],
    ['location', { location: null }],
    ['event_type', { event_type: 'party' }],
    ['attending_count', { attending_count: 3 }],
    ['waitlist_count', { waitlist_count: 0 }],
    ['max_attendees', { max_attendees: 0 }],
    ['title', { title: '   ' }],
  ])('when %s is wrong (%j), then 400 naming it', async (field, overrides) => {
    const res = await alumni.inject({ method: 'POST', url: '/api/events/create', payload: eventBody(overrides) });
    expect(res.statusCode, res.body).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe(field);
  });

  it('when a virtual event has a meeting link and no location, then 201', async () => {
    const event = await createEvent(alumni, {
      is_virtual: true,
      location: null,
      meeting_link: 'https://meet.example.com/abc',
      event_type: 'webinar',
    });
    expect(event).toMatchObject({ is_virtual: true, location: null, meeting_link: 'https://meet.example.com/abc' });
  });
});

describe('GET /api/events/{event_id}', () => {
  it('when a member reads an event, then 200 with their own answer', async () => {
    const event = await createEvent(alumni);
    expect((await rsvp(student, event.id, 'maybe')).statusCode).toBe(200);
    const res = await student.inject({ method: 'GET', url: `/api/events/${event.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().my_rsvp).toMatchObject({ status: 'maybe', waitlist_position: null });
  });

  it('when the id is unknown, not a uuid, or the event is deleted, then 404 / 400 / 404', async () => {
    expect((await student.inject({ method: 'GET', url: `/api/events/${randomUUID()}` })).statusCode).toBe(404);
    const bad = await student.inject({ method: 'GET', url: '/api/events/not-a-uuid' });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.[0].field).toBe('event_id');
    const event = await createEvent(alumni);
    expect((await alumni.inject({ method: 'DELETE', url: `/api/events/${event.id}` })).statusCode).toBe(204);
    expect((await student.inject({ method: 'GET', url: `/api/events/${event.id}` })).statusCode).toBe(404);
  });

  it('when nobody is signed in, then 401', async () => {
    expect((await t.app.inject({ method: 'GET', url: `/api/events/${randomUUID()}` })).statusCode).toBe(401);
  });
});

describe('PUT and DELETE /api/events/{event_id}', () => {
  it('when the creator changes some fields, then only those change', async () => {
    const event = await createEvent(alumni);
    const res = await alumni.inject({ method: 'PUT', url: `/api/events/${event.id}`, payload: { title: 'Renamed', max_attendees: 10 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ title: 'Renamed', max_attendees: 10, description: event.description, start_date: event.start_date });
  });

  it('when an admin changes or deletes someone else’s event, then 200 / 204', async () => {
    const event = await createEvent(alumni);
    expect((await admin.inject({ method: 'PUT', url: `/api/events/${event.id}`, payload: { title: 'By admin' } })).statusCode).toBe(200);
    expect((await admin.inject({ method: 'DELETE', url: `/api/events/${event.id}` })).statusCode).toBe(204);
  });

  it('when another member changes or deletes the event, then 403 and nothing changes', async () => {
    const event = await createEvent(alumni);
    for (const user of [otherAlumni, student, faculty]) {
      expect((await user.inject({ method: 'PUT', url: `/api/events/${event.id}`, payload: { title: 'Mine now' } })).statusCode).toBe(403);
      expect((await user.inject({ method: 'DELETE', url: `/api/events/${event.id}` })).statusCode).toBe(403);
    }
    expect((await alumni.inject({ method: 'GET', url: `/api/events/${event.id}` })).json().title).toBe(event.title);
  });

  it('when the update breaks a date rule or sends a counter, then 400 naming the field', async () => {
    const event = await createEvent(alumni, { max_attendees: 5 });
    const cases: [Record<string, unknown>, string][] = [
      [{ end_date: new Date(Date.parse(event.start_date) - 3600_000).toISOString() }, 'end_date'],
      [{ start_date: new Date(Date.now() - 3600_000).toISOString() }, 'start_date'],
      [{ registration_deadline: new Date(Date.parse(event.start_date) + 60_000).toISOString() }, 'registration_deadline'],
      [{ attending_count: 0 }, 'attending_count'],
      [{ created_by: student.id }, 'created_by'],
    ];
    for (const [payload, field] of cases) {
      const res = await alumni.inject({ method: 'PUT', url: `/api/events/${event.id}`, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe(field);
    }
  });

  it('when max_attendees would drop below those attending, then 400 naming it', async () => {
    const event = await createEvent(alumni, { max_attendees: 5 });
    await rsvp(student, event.id, 'attending');
    await rsvp(otherAlumni, event.id, 'attending');
    const res = await alumni.inject({ method: 'PUT', url: `/api/events/${event.id}`, payload: { max_attendees: 1 } });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('max_attendees');
  });

  it('when max_attendees is 0, then 400 naming it (not "unlimited"), and null means unlimited', async () => {
    const event = await createEvent(alumni, { max_attendees: 5 });
    for (const payload of [{ max_attendees: 0 }, { max_attendees: -0 }, { max_attendees: '0' }, { max_attendees: 1.5 }]) {
      const res = await alumni.inject({ method: 'PUT', url: `/api/events/${event.id}`, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe('max_attendees');
    }
    expect((await alumni.inject({ method: 'GET', url: `/api/events/${event.id}` })).json().max_attendees).toBe(5);
    const created = await alumni.inject({ method: 'POST', url: '/api/events/create', payload: eventBody({ max_attendees: 0 }) });
    expect(created.statusCode).toBe(400);
    expect(problemOf(created).errors?.[0].field).toBe('max_attendees');
    const unlimited = await alumni.inject({ method: 'PUT', url: `/api/events/${event.id}`, payload: { max_attendees: null } });
    expect(unlimited.statusCode, unlimited.body).toBe(200);
    expect(unlimited.json().max_attendees).toBeNull();
  });

  it('when text holds a NUL byte or a date leaves the years 0001–9999, then 400 naming the field', async () => {
    const event = await createEvent(alumni);
    const cases: [Record<string, unknown>, string][] = [
      [{ title: 'a\u0000b' }, 'title'],
      [{ location: 'Pune\u0000' }, 'location'],
      [{ timezone: 'UTC\u0000' }, 'timezone'],
      [{ meeting_link: 'https://meet.example.com/\u0000' }, 'meeting_link'],
      [{ end_date: '0000-01-01T00:00:00Z' }, 'end_date'],
      [{ end_date: '9999-12-31T23:59:59-14:00' }, 'end_date'],
      [{ registration_deadline: '0001-01-01T00:00:00+14:00' }, 'registration_deadline'],
    ];
    for (const [payload, field] of cases) {
      const res = await alumni.inject({ method: 'PUT', url: `/api/events/${event.id}`, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe(field);
    }
    const cancel = await alumni.inject({ method: 'POST', url: `/api/events/${event.id}/cancel`, payload: { reason: 'x\u0000' } });
    expect(problemOf(cancel).errors?.[0].field).toBe('reason');
  });

  it('when a cancelled event is updated, then 409 event_cancelled', async () => {
    const event = await createEvent(alumni);
    await alumni.inject({ method: 'POST', url: `/api/events/${event.id}/cancel`, payload: {} });
    const res = await alumni.inject({ method: 'PUT', url: `/api/events/${event.id}`, payload: { title: 'Again' } });
    expect(res.statusCode).toBe(409);
    expect(problemOf(res).code).toBe('event_cancelled');
  });

  it('when a deleted event is listed, then it is gone from every list', async () => {
    const event = await createEvent(alumni, { title: `Doomed ${randomUUID()}` });
    await alumni.inject({ method: 'DELETE', url: `/api/events/${event.id}` });
    const list = await student.inject({ method: 'GET', url: `/api/events?q=${encodeURIComponent(event.title)}` });
    expect(list.json().count).toBe(0);
    expect((await alumni.inject({ method: 'DELETE', url: `/api/events/${event.id}` })).statusCode).toBe(404);
  });
});

describe('POST /api/events/{event_id}/cancel', () => {
  it('when the creator cancels, then the event stays readable as cancelled and attending, maybe and waitlisted are told', async () => {
    const event = await createEvent(alumni, { max_attendees: 1, waitlist_enabled: true });
    const [a, m, w, no] = await Promise.all(['student', 'student', 'alumni', 'student'].map((r) => t.user(r as 'student')));
    await rsvp(a, event.id, 'attending');
    await rsvp(m, event.id, 'maybe');
    await rsvp(w, event.id, 'attending');
    await rsvp(no, event.id, 'not_attending');
    const res = await alumni.inject({ method: 'POST', url: `/api/events/${event.id}/cancel`, payload: { reason: 'Venue flooded' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled', cancel_reason: 'Venue flooded' });
    expect((await a.inject({ method: 'GET', url: `/api/events/${event.id}` })).json().status).toBe('cancelled');
    const [published] = domainEvents.of('event.cancelled', (p) => p.eventId === event.id);
    expect(published.recipientIds.sort()).toEqual([a.id, m.id, w.id].sort());
    expect(published.reason).toBe('Venue flooded');
    const again = await alumni.inject({ method: 'POST', url: `/api/events/${event.id}/cancel`, payload: {} });
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).code).toBe('event_cancelled');
  });

  it('when someone else cancels, then 403; without a token 401; with an unknown property 400', async () => {
    const event = await createEvent(alumni);
    expect((await otherAlumni.inject({ method: 'POST', url: `/api/events/${event.id}/cancel`, payload: {} })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: `/api/events/${event.id}/cancel`, payload: {} })).statusCode).toBe(401);
    const bad = await alumni.inject({ method: 'POST', url: `/api/events/${event.id}/cancel`, payload: { why: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.[0].field).toBe('why');
  });

  it('when an ended event is cancelled, then 409 event_ended', async () => {
    const event = await createEvent(alumni);
    await setEventTimes(t, event.id, { startInMs: -3 * 3600_000, endInMs: -3600_000 });
    const res = await alumni.inject({ method: 'POST', url: `/api/events/${event.id}/cancel`, payload: {} });
    expect(problemOf(res).code).toBe('event_ended');
  });
});

describe('POST /api/events/{event_id}/banner', () => {
  it('when the creator uploads a PNG, then the event carries a signed URL that serves it', async () => {
    const event = await createEvent(alumni);
    const res = await alumni.inject({
      method: 'POST',
      url: `/api/events/${event.id}/banner`,
      ...multipart({}, { data: PNG, filename: 'b.png', type: 'image/png' }),
    });
    expect(res.statusCode, res.body).toBe(200);
    const url: string = res.json().banner_url;
    // The seed names the field banner_image: a client built from it finds the same URL there.
    expect(res.json().banner_image).toBe(url);
    expect(url).toMatch(/^http:\/\/cohort\.test\/api\/files\/banners\/[0-9a-f-]{36}\.png\?expires=\d+&signature=/);
    const file = await t.app.inject({ method: 'GET', url: url.replace('http://cohort.test', '') });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(PNG)).toBe(true);
  });

  it('when the file is a PDF, then 415; someone else’s event 403; no token 401', async () => {
    const event = await createEvent(alumni);
    const pdf = await alumni.inject({ method: 'POST', url: `/api/events/${event.id}/banner`, ...multipart({}, { data: PDF }) });
    expect(pdf.statusCode).toBe(415);
    const other = await otherAlumni.inject({
      method: 'POST',
      url: `/api/events/${event.id}/banner`,
      ...multipart({}, { data: PNG, type: 'image/png' }),
    });
    expect(other.statusCode).toBe(403);
    const anon = await t.app.inject({
      method: 'POST',
      url: `/api/events/${event.id}/banner`,
      ...multipart({}, { data: PNG, type: 'image/png' }),
    });
    expect(anon.statusCode).toBe(401);
  });
});

describe('GET /api/events/{event_id}/ics', () => {
  it('when downloaded, then it parses with the event’s times, zone, place and a stable UID', async () => {
    const start = new Date(Date.UTC(2030, 6, 15, 12, 30)); // 18:00 in Kolkata
    const event = await createEvent(alumni, {
      start_date: start.toISOString(),
      end_date: new Date(start.getTime() + 90 * 60_000).toISOString(),
      timezone: 'Asia/Kolkata',
      location: 'Auditorium, Pune',
    });
    const res = await student.inject({ method: 'GET', url: `/api/events/${event.id}/ics` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    expect(res.body).toContain('DTSTART;TZID=Asia/Kolkata:20300715T180000');
    const parsed = Object.values(ical.sync.parseICS(res.body)).filter((c) => c?.type === 'VEVENT') as ical.VEvent[];
    expect(parsed).toHaveLength(1);
    expect(parsed[0].start.toISOString()).toBe(start.toISOString());
    expect(parsed[0].end!.toISOString()).toBe(new Date(start.getTime() + 90 * 60_000).toISOString());
    expect(parsed[0].location).toBe('Auditorium, Pune');
    expect(parsed[0].uid).toBe(`${event.id}@cohort.test`);
    const again = await alumni.inject({ method: 'GET', url: `/api/events/${event.id}/ics` });
    expect((Object.values(ical.sync.parseICS(again.body)).find((c) => c?.type === 'VEVENT') as ical.VEvent).uid).toBe(parsed[0].uid);
  });

  it('when the event is virtual and crosses a daylight-saving change, then the meeting link is the location and times stay exact', async () => {
    const start = new Date(Date.UTC(2030, 2, 30, 23, 0)); // 00:00 CET on 31 March 2030; clocks go forward at 01:00 UTC
    const end = new Date(Date.UTC(2030, 2, 31, 3, 0)); // 05:00 CEST
    const event = await createEvent(alumni, {
      is_virtual: true,
      location: null,
      meeting_link: 'https://meet.example.com/dst',
      start_date: start.toISOString(),
      end_date: end.toISOString(),
      timezone: 'Europe/Berlin',
    });
    const res = await student.inject({ method: 'GET', url: `/api/events/${event.id}/ics` });
    const vevent = Object.values(ical.sync.parseICS(res.body)).find((c) => c?.type === 'VEVENT') as ical.VEvent;
    expect(vevent.start.toISOString()).toBe(start.toISOString());
    expect(vevent.end!.toISOString()).toBe(end.toISOString());
    expect(vevent.location).toBe('https://meet.example.com/dst');
  });

  it('when the event is cancelled, then the file says STATUS:CANCELLED with a higher SEQUENCE', async () => {
    const event = await createEvent(alumni);
    await alumni.inject({ method: 'POST', url: `/api/events/${event.id}/cancel`, payload: {} });
    const res = await student.inject({ method: 'GET', url: `/api/events/${event.id}/ics` });
    expect(res.body).toContain('STATUS:CANCELLED');
    expect(res.body).toContain('SEQUENCE:1');
  });

  it('when the title carries line breaks, then the file gains no lines from it (the calendar name is escaped)', async () => {
    const event = await createEvent(alumni, { title: 'Evil\r\nATTENDEE:mailto:x@example.com\nEND:VEVENT' });
    const res = await student.inject({ method: 'GET', url: `/api/events/${event.id}/ics` });
    expect(res.statusCode).toBe(200);
    const lines = res.body.split(/\r\n/);
    expect(lines.filter((l) => l.startsWith('ATTENDEE'))).toEqual([]);
    expect(lines.filter((l) => l === 'END:VEVENT')).toHaveLength(1);
    expect(lines).toContain('X-WR-CALNAME:Evil\\nATTENDEE:mailto:x@example.com\\nEND:VEVENT');
    const vevents = Object.values(ical.sync.parseICS(res.body)).filter((c) => c?.type === 'VEVENT');
    expect(vevents).toHaveLength(1);
  });

  it('when the event does not exist, then 404; no token 401', async () => {
    expect((await student.inject({ method: 'GET', url: `/api/events/${randomUUID()}/ics` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/api/events/${randomUUID()}/ics` })).statusCode).toBe(401);
  });
});
