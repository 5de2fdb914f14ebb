import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, problemOf, setEventTimes, createTestApp, type TestApp, type TestUser } from '../../../test/helpers.js';

/** GET /api/events: discovery, filters, order and pages (split from events.test.ts). */
const DAY = 86_400_000;
let t: TestApp;
let alumni: TestUser;
let student: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  [alumni, student] = await Promise.all((['alumni', 'student'] as const).map((r) => t.user(r)));
});
afterAll(() => t?.close());

describe('GET /api/events', () => {
  const tag = randomUUID().slice(0, 8);
  let ids: Record<string, string>;
  beforeAll(async () => {
    const soon = await createEvent(alumni, {
      title: `${tag} soon webinar`,
      event_type: 'webinar',
      is_virtual: true,
      location: null,
      meeting_link: 'https://meet.example.com/1',
      start_date: new Date(Date.now() + 2 * DAY).toISOString(),
      end_date: new Date(Date.now() + 2 * DAY + 3600_000).toISOString(),
    });
    const later = await createEvent(alumni, {
      title: `${tag} later reunion`,
      event_type: 'reunion',
      location: 'Mumbai Campus',
      start_date: new Date(Date.now() + 20 * DAY).toISOString(),
      end_date: new Date(Date.now() + 20 * DAY + 3600_000).toISOString(),
    });
    const cancelled = await createEvent(alumni, {
      title: `${tag} cancelled meetup`,
      start_date: new Date(Date.now() + 5 * DAY).toISOString(),
      end_date: new Date(Date.now() + 5 * DAY + 3600_000).toISOString(),
    });
    await alumni.inject({ method: 'POST', url: `/api/events/${cancelled.id}/cancel`, payload: {} });
    const past = await createEvent(alumni, { title: `${tag} past workshop`, event_type: 'workshop' });
    await setEventTimes(t, past.id, { startInMs: -2 * DAY, endInMs: -2 * DAY + 3600_000 });
    const older = await createEvent(alumni, { title: `${tag} older workshop`, event_type: 'workshop' });
    await setEventTimes(t, older.id, { startInMs: -9 * DAY, endInMs: -9 * DAY + 3600_000 });
    const running = await createEvent(alumni, { title: `${tag} running now` });
    await setEventTimes(t, running.id, { startInMs: -3600_000, endInMs: 3600_000 });
    ids = { soon: soon.id, later: later.id, cancelled: cancelled.id, past: past.id, older: older.id, running: running.id };
  });
  const list = async (query: string) => {
    const res = await student.inject({ method: 'GET', url: `/api/events?q=${tag}&${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { results: { id: string; status: string }[]; count: number; next_cursor: string | null };
  };

  it('when listing upcoming (the default), then not-yet-ended events soonest first, without cancelled ones', async () => {
    const page = await list('');
    expect(page.results.map((r) => r.id)).toEqual([ids.running, ids.soon, ids.later]);
    expect(page.count).toBe(3);
  });

  it('when listing past, then ended events most recent first with status completed', async () => {
    const page = await list('when=past');
    expect(page.results.map((r) => r.id)).toEqual([ids.past, ids.older]);
    expect(page.results.every((r) => r.status === 'completed')).toBe(true);
  });

  it('when include_cancelled=true, then cancelled events are listed too', async () => {
    const page = await list('include_cancelled=true');
    expect(page.results.map((r) => r.id)).toEqual([ids.running, ids.soon, ids.cancelled, ids.later]);
    expect(page.results[2].status).toBe('cancelled');
  });

  it('when filtering by type, virtual, location, dates, then the filters combine', async () => {
    expect((await list('event_type=webinar')).results.map((r) => r.id)).toEqual([ids.soon]);
    expect((await list('is_virtual=true')).results.map((r) => r.id)).toEqual([ids.soon]);
    expect((await list('is_virtual=false')).count).toBe(2);
    expect((await list('location=mumbai')).results.map((r) => r.id)).toEqual([ids.later]);
    const from = new Date(Date.now() + 10 * DAY).toISOString();
    expect((await list(`from=${from}`)).results.map((r) => r.id)).toEqual([ids.later]);
    expect((await list(`to=${from}`)).results.map((r) => r.id)).toEqual([ids.running, ids.soon]);
    expect((await list('event_type=&location=')).count).toBe(3);
  });

  it('when an event is created, cancelled or deleted, then the next count says so at once (the cached count is dropped)', async () => {
    const before = (await list('')).count;
    expect((await list('')).count).toBe(before); // now cached
    const extra = await createEvent(alumni, {
      title: `${tag} extra talk`,
      start_date: new Date(Date.now() + 3 * DAY).toISOString(),
      end_date: new Date(Date.now() + 3 * DAY + 3600_000).toISOString(),
    });
    expect((await list('')).count).toBe(before + 1);
    expect((await alumni.inject({ method: 'POST', url: `/api/events/${extra.id}/cancel`, payload: {} })).statusCode).toBe(200);
    expect((await list('')).count).toBe(before);
    expect((await list('include_cancelled=true')).count).toBe(before + 2); // the extra one and the fixture's cancelled meetup
    expect((await alumni.inject({ method: 'DELETE', url: `/api/events/${extra.id}` })).statusCode).toBe(204);
    expect((await list('include_cancelled=true')).count).toBe(before + 1);
    expect((await list('')).results.map((r) => r.id)).not.toContain(extra.id);
  });

  it('when paging with limit=1, then the cursors visit every match once and count stays', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.count).toBe(3);
      seen.push(...page.results.map((r) => r.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([ids.running, ids.soon, ids.later]);
  });

  it('when a parameter is malformed, then 400 naming it', async () => {
    for (const [query, field] of [
      ['when=soon', 'when'],
      ['event_type=party', 'event_type'],
      ['is_virtual=maybe', 'is_virtual'],
      ['from=yesterday', 'from'],
      ['from=0000-01-01', 'from'],
      ['to=9999-12-31T23:59:59-14:00', 'to'],
      ['to=2026-13-45', 'to'],
      ['q=a%00b', 'q'],
      ['location=Pune%00', 'location'],
      ['limit=0', 'limit'],
      ['cursor=forged.value', 'cursor'],
    ]) {
      const res = await student.inject({ method: 'GET', url: `/api/events?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(problemOf(res).errors?.[0].field).toBe(field);
    }
  });

  it('when from is after to, then 400 validation_failed naming from, as on the admin charts', async () => {
    const res = await student.inject({ method: 'GET', url: `/api/events?from=2031-02-01&to=2031-01-01T00:00:00Z` });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'from' }] });
    // Blank bounds filter nothing, so they never make a range inverted.
    expect((await list(`from=${new Date(Date.now() + 10 * DAY).toISOString()}&to=`)).results.map((r) => r.id)).toEqual([ids.later]);
  });

  it('when from equals to, then the range is empty but not an error', async () => {
    const at = new Date(Date.now() + 2 * DAY).toISOString();
    expect((await list(`from=${at}&to=${at}`)).count).toBe(0);
  });

  it('when a date filter is a date alone, then it is UTC midnight', async () => {
    const tomorrow = new Date(Date.now() + DAY).toISOString().slice(0, 10);
    expect((await list(`from=${tomorrow}`)).results.map((r) => r.id)).toEqual([ids.soon, ids.later]);
  });

  it('when a past-list cursor is used for the upcoming list, then 400', async () => {
    const past = await list('when=past&limit=1');
    const res = await student.inject({ method: 'GET', url: `/api/events?q=${tag}&cursor=${encodeURIComponent(past.next_cursor!)}` });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.[0].field).toBe('cursor');
  });

  it('when nobody is signed in, then 401', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/events' })).statusCode).toBe(401);
  });
});
