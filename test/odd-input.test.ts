import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apply,
  becomeMentor,
  createTestApp,
  pairMentorship,
  postJob,
  problemOf,
  requestMentorship,
  scheduleSession,
  waitForNotifications,
  type TestApp,
  type TestUser,
} from './helpers.js';

/**
 * Odd input at every GET endpoint that takes a query string (every list, the facets, the recruiter
 * summary, the file route), found in the OpenAPI document so a new module's lists are covered the day
 * they are registered: never a 5xx, and a 400 naming the field where API.md says so.
 */

let t: TestApp;
let admin: TestUser;
let student: TestUser;
let mentor: TestUser;
const ids: Record<string, string> = {};

interface Parameter {
  in: 'query' | 'path';
  name: string;
  required?: boolean;
  schema: { type?: string; enum?: unknown[] };
}
interface Endpoint {
  path: string;
  query: Parameter[];
  pathParams: Parameter[];
}

let endpoints: Endpoint[] = [];
/** The caller who can read each list: the applicant / mentee for their own lists, the mentor for theirs, an admin for the rest. */
const callerOf = (path: string) =>
  path.startsWith('/api/applications/my-applications') || path.startsWith('/api/mentorship/requests/sent')
    ? student
    : path.startsWith('/api/mentorship/')
      ? mentor
      : admin;
const urlOf = (endpoint: Endpoint, query: string) =>
  `${endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? '00000000-0000-4000-8000-000000000000')}?${query}`;
const get = (endpoint: Endpoint, query: string) => callerOf(endpoint.path).inject({ method: 'GET', url: urlOf(endpoint, query) });
const isList = (e: Endpoint) => e.query.some((p) => p.name === 'cursor');
/**
 * Endpoints that stream (SSE, WebSocket): a well-formed, authenticated request never ends. The tests
 * of spelled-out odd values send the token (each query is refused at validation, before the stream
 * opens); the random mix sends none, so a well-formed query is a 401 (the token may come as ?access_token=).
 */
const STREAMS = new Set(['/api/notifications/stream', '/api/ws']);

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.user('admin');
  student = await t.user('student');
  const other = await t.user('alumni');
  // Two of everything, so that every list has a second page and so a cursor.
  for (const u of [student, other]) {
    const created = await u.inject({ method: 'POST', url: '/api/profiles/create', payload: { name: `Odd ${u.role}`, headline: 'x' } });
    expect(created.statusCode, created.body).toBe(201);
    expect((await u.inject({ method: 'POST', url: '/api/profiles/me/request-verification' })).statusCode).toBe(202);
  }
  // Events: two the admin answered (discovery, my-events); the first has one seat, so its answers and waitlist have two pages.
  const start = Date.now() + 10 * 86_400_000;
  const when = { start_date: new Date(start).toISOString(), end_date: new Date(start + 3_600_000).toISOString() };
  const attend = (u: TestUser, eventId: string) =>
    u.inject({ method: 'POST', url: `/api/events/${eventId}/rsvp`, payload: { status: 'attending' } });
  for (const max_attendees of [1, null]) {
    const payload = { title: 'Odd event', description: 'x', event_type: 'meetup', location: 'Pune', max_attendees, waitlist_enabled: true };
    const created = await admin.inject({ method: 'POST', url: '/api/events/create', payload: { ...payload, ...when } });
    expect(created.statusCode, created.body).toBe(201);
    ids.event_id ??= created.json().id as string;
    expect((await attend(admin, created.json().id)).statusCode).toBe(200);
  }
  for (const u of [student, other]) expect((await attend(u, ids.event_id)).statusCode).toBe(200);
  const [first, second] = [await postJob(admin), await postJob(admin)];
  ids.job_id = first.id;
  await apply(student, first.id);
  ids.app_id = (await apply(student, second.id)).id;
  await apply(other, first.id);
  ids.user_id = student.id;
  // Forum: two posts (one per member), each bookmarked and reported by the admin; two comments on the first.
  for (const u of [student, other]) {
    const created = await u.inject({ method: 'POST', url: '/api/forum/posts', payload: { title: 'Odd post', content: 'x' } });
    expect(created.statusCode, created.body).toBe(201);
    const postId = created.json().id as string;
    ids.post_id ??= postId;
    expect((await admin.inject({ method: 'PUT', url: `/api/forum/posts/${postId}/bookmark` })).statusCode).toBe(200);
    const reported = await admin.inject({ method: 'POST', url: `/api/forum/posts/${postId}/report`, payload: { reason: 'spam' } });
    expect(reported.statusCode, reported.body).toBe(201);
    const commented = await u.inject({ method: 'POST', url: `/api/forum/posts/${ids.post_id}/comments`, payload: { content: 'y' } });
    expect(commented.statusCode, commented.body).toBe(201);
  }
  // Two admin writes (each audited), so the audit log has a second page too.
  for (const platform_name of ['Odd One', 'Odd Two']) {
    expect((await admin.inject({ method: 'PUT', url: '/api/admin/settings', payload: { platform_name } })).statusCode).toBe(200);
  }
  // Mentorship: two mentors; the student asks both, the other member asks the first, who accepts both
  // and schedules two sessions and two goals with the student.
  mentor = await t.user('alumni');
  const secondMentor = await t.user('faculty');
  for (const m of [mentor, secondMentor]) await becomeMentor(m);
  await requestMentorship(student, secondMentor.id);
  ids.mentorship_id = await pairMentorship(mentor, student);
  await pairMentorship(mentor, other);
  for (const title of ['Odd goal', 'Second goal']) {
    await scheduleSession(mentor, ids.mentorship_id);
    const goal = await mentor.inject({ method: 'POST', url: `/api/mentorship/${ids.mentorship_id}/goals`, payload: { title } });
    expect(goal.statusCode, goal.body).toBe(201);
  }
  // Notifications: the admin posted both jobs, so the three applications above notify them (made by a job after commit).
  await waitForNotifications(admin, 'application.received', 2);

  const doc = t.app.swagger() as { paths: Record<string, Record<string, { parameters?: Parameter[] }>> };
  endpoints = Object.entries(doc.paths)
    .map(([path, ops]) => ({ path, parameters: ops.get?.parameters ?? [] }))
    .filter(({ parameters }) => parameters.some((p) => p.in === 'query'))
    .map(({ path, parameters }) => ({
      path,
      query: parameters.filter((p) => p.in === 'query'),
      pathParams: parameters.filter((p) => p.in === 'path'),
    }));
});
afterAll(() => t?.close());

/** Numbers that are not a plain decimal integer in the safe range, however JavaScript would read them. */
const ODD_NUMBERS = [
  '1e400',
  'Infinity',
  '-Infinity',
  'NaN',
  '1.5',
  '0x10',
  '-0',
  '1e1',
  '+5',
  '010',
  ' 10',
  '12345678901234567890',
  '9007199254740993',
  '',
];
const NUL_STRINGS = ['%00', 'a%00b', '%00%00', 'Pune%00'];
const oddNumber = fc.oneof(
  fc.constantFrom(...ODD_NUMBERS),
  fc.double().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
);
const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** Dates at and beyond the edges: year 0 and 10000, month 13, day 32, hour 25, offsets of ±14 h. */
const oddDate = fc
  .record({
    year: fc.oneof(fc.constantFrom(0, 1, 9999, 10000), fc.integer({ min: 0, max: 10000 })),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    offset: fc.constantFrom('Z', '+14:00', '-14:00', '+00', '-0530', ''),
  })
  .map(({ year, month, day, hour, offset }) => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:00:00${offset}`);
const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 10 }).map((s) => `${s}\u0000${s}`),
  fc.constantFrom('%', '_', '\\', "'", '"', ';--', '\u{1F600}', ' '.repeat(5), 'x'.repeat(3000)),
);

/** Valid values for the other required parameters, so the one under test is the only thing wrong. */
const othersRequired = (e: Endpoint, except: string) =>
  e.query
    .filter((p) => p.required && p.name !== except)
    .map((p) => `&${p.name}=${p.schema.type === 'integer' ? '1' : 'x'}`)
    .join('');
const integerParams = (e: Endpoint) => e.query.filter((p) => p.schema.type === 'integer');
const stringParams = (e: Endpoint) => e.query.filter((p) => p.schema.type === 'string' || p.schema.type === undefined);

const expectFieldError = (res: Awaited<ReturnType<typeof get>>, field: string, what: string) => {
  expect(res.statusCode, `${what}: ${res.body}`).toBe(400);
  expect(problemOf(res).errors?.[0]?.field, what).toBe(field);
};

describe('odd input at every endpoint with a query string', () => {
  it('when the OpenAPI document is read, then it lists every list endpoint of the API', () => {
    const paths = endpoints.filter(isList).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/profiles/search',
        '/api/profiles/directory',
        '/api/admin/profiles/pending',
        '/api/jobs',
        '/api/jobs/{job_id}/applications',
        '/api/applications/my-applications',
        '/api/recruiter/jobs',
        '/api/recruiter/analytics',
        '/api/mentors',
        '/api/mentorship/requests/received',
        '/api/mentorship/requests/sent',
        '/api/mentorship/active',
        '/api/mentorship/sessions',
        '/api/mentorship/{mentorship_id}/goals',
        '/api/notifications',
      ]),
    );
  });

  it('when an integer parameter is spelled oddly or repeated, then it is a 400 naming it', async () => {
    for (const endpoint of endpoints) {
      for (const param of integerParams(endpoint)) {
        for (const value of ODD_NUMBERS) {
          expectFieldError(
            await get(endpoint, `${param.name}=${encodeURIComponent(value)}`),
            param.name,
            `${endpoint.path} ${param.name}=${value}`,
          );
        }
        expectFieldError(await get(endpoint, `${param.name}=5&${param.name}=6`), param.name, `${endpoint.path} repeated ${param.name}`);
      }
    }
  });

  it('when a text parameter holds a NUL byte or is repeated, then it is a 400 naming it', async () => {
    for (const endpoint of endpoints) {
      for (const param of stringParams(endpoint)) {
        const repeated = `${param.name}=a&${param.name}=b${othersRequired(endpoint, param.name)}`;
        expectFieldError(await get(endpoint, repeated), param.name, `${endpoint.path} ${repeated}`);
        for (const value of NUL_STRINGS) {
          const query = `${param.name}=${value}${othersRequired(endpoint, param.name)}`;
          expectFieldError(await get(endpoint, query), param.name, `${endpoint.path} ${query}`);
        }
      }
    }
  });

  it('when any mix of odd numbers, odd strings and repeats is sent, then no endpoint answers 5xx', async () => {
    for (const endpoint of endpoints) {
      const names = endpoint.query.map((p) => p.name);
      const entry = fc.tuple(fc.constantFrom(...names), fc.oneof(oddNumber, oddString, oddDate));
      await fc.assert(
        fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 4 }), async (entries) => {
          const query = new URLSearchParams(entries).toString();
          const res = STREAMS.has(endpoint.path)
            ? await t.app.inject({ method: 'GET', url: urlOf(endpoint, query) })
            : await get(endpoint, query);
          expect(res.statusCode, `${endpoint.path}?${query}: ${res.body}`).toBeLessThan(500);
          if (res.statusCode >= 400) problemOf(res);
        }),
        { numRuns: 25 },
      );
    }
  });

  it('when a date filter names a year PostgreSQL cannot store, then it is a 400 naming it', async () => {
    const jobs = endpoints.find((e) => e.path === '/api/jobs')!;
    for (const value of [
      '0000-01-01',
      '0000-12-31T23:59:59Z',
      '10000-01-01',
      '2026-13-45x',
      '9999-12-31T23:59:59-14:00',
      '0001-01-01T00:00:00%2B14:00',
    ]) {
      expectFieldError(await get(jobs, `posted_after=${value}`), 'posted_after', value);
    }
    expect((await get(jobs, 'posted_after=0001-01-01')).statusCode).toBe(200);
  });
});

describe('cursors belong to their list', () => {
  it('when a cursor issued by one list is sent to another, then it is a 400 naming cursor; to its own list it works', async () => {
    const lists = endpoints.filter(isList);
    const cursors = new Map<string, string>();
    for (const list of lists) {
      const res = await get(list, 'limit=1');
      expect(res.statusCode, `${list.path}: ${res.body}`).toBe(200);
      const cursor = res.json().next_cursor as string | null;
      expect(cursor, `${list.path} has a second page`).toEqual(expect.any(String));
      cursors.set(list.path, cursor!);
    }
    for (const list of lists) {
      for (const [issuer, cursor] of cursors) {
        const res = await get(list, `limit=1&cursor=${encodeURIComponent(cursor)}`);
        if (issuer === list.path) expect(res.statusCode, `${list.path} with its own cursor`).toBe(200);
        else expectFieldError(res, 'cursor', `${list.path} with a cursor of ${issuer}`);
      }
    }
  });

  it('when a cursor is tampered with or made up, then it is a 400 naming cursor', async () => {
    const jobs = endpoints.find((e) => e.path === '/api/jobs')!;
    const cursor = (await get(jobs, 'limit=1')).json().next_cursor as string;
    for (const bad of [`${cursor}x`, `x${cursor}`, 'abc.def', '.', cursor.split('.')[0], 'eyJhIjoxfQ.AAAAAAAAAAAAAAAAAAAAAA']) {
      expectFieldError(await get(jobs, `cursor=${encodeURIComponent(bad)}`), 'cursor', bad);
    }
  });
});
