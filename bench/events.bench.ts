/**
 * Issue 13 (events): BENCH_EVENTS events (20,000) and BENCH_RSVPS RSVPs (500,000) written by SQL,
 * then `GET /api/events` (upcoming, filtered) and `POST /api/events/{id}/rsvp` loaded beside a floor
 * running the SQL of src/modules/events/events.list.ts and events.rsvp.ts as of this writing (when
 * those change, change the floor here). Goal: Cohort ≥ 0.9 × floor. Then 200 simultaneous RSVPs for
 * 50 seats with a waitlist: exactly 50 attending, 150 waitlisted, positions 1..150 in the order the
 * answers were settled, counters equal to the rows.
 */
import ical from 'ical-generator';
import type pg from 'pg';
import {
  compare,
  FloorError,
  floorCountCache,
  insertMembers,
  log,
  loginMembers,
  memberEmailLike,
  round,
  settings,
  type BenchRun,
  type FloorContext,
  type FloorRequest,
  type FloorRoute,
  type Scenario,
  type Target,
} from './lib.js';

// ---------------------------------------------------------------------------------------------
// Floor: the statements of events.list.ts and events.rsvp.ts, and the confirmation the contract asks for

type FloorClient = pg.PoolClient;

const EVENT_COLUMNS = `e.id, e.title, e.description, e.event_type, e.location, e.is_virtual, e.meeting_link, e.start_date, e.end_date,
  e.timezone, e.registration_deadline, e.max_attendees, e.waitlist_enabled, e.created_by, e.banner_key, e.attending_count,
  e.waitlist_count, e.cancel_reason, e.created_at, e.updated_at,
  CASE WHEN e.cancelled_at IS NOT NULL THEN 'cancelled' WHEN e.end_date <= now() THEN 'completed' ELSE 'scheduled' END AS status,
  r.status AS my_status, r.rsvp_date AS my_rsvp_date,
  CASE WHEN r.status = 'waitlisted' THEN (SELECT count(*)::int FROM event_rsvps w WHERE w.event_id = r.event_id AND w.status = 'waitlisted'
    AND w.waitlist_seq <= r.waitlist_seq) END AS my_position,
  to_char(e.start_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts`;

const toEvent = (row: Record<string, any>) => {
  const { my_status, my_rsvp_date, my_position, cursor_ts: _c, banner_key: _b, ...event } = row;
  return {
    ...event,
    banner_url: null,
    my_rsvp: my_status ? { status: my_status, rsvp_date: my_rsvp_date, waitlist_position: my_position } : null,
  };
};

// listEvents() caches discovery counts per filter set for 5 s (events.list.ts); so does the floor.
const cachedCount = floorCountCache();

async function listEvents(request: FloorRequest, ctx: FloorContext) {
  const actor = await ctx.authenticate(request);
  const query = request.query;
  const where = [
    `e.deleted_at IS NULL`,
    `(e.end_date > now() AND e.start_date > now() - make_interval(days => 30))`,
    `e.cancelled_at IS NULL`,
  ];
  const values: unknown[] = [];
  const add = (clause: (n: string) => string, value: unknown) => {
    values.push(value);
    where.push(clause(`$${values.length + 1}`));
  };
  const type = query.get('event_type')?.trim();
  if (type) add((p) => `e.event_type = ${p}`, type);
  const virtual = query.get('is_virtual')?.trim();
  if (virtual) add((p) => `e.is_virtual = ${p}`, virtual === 'true');
  const location = query.get('location')?.trim();
  if (location) add((p) => `e.location ILIKE ${p}`, `%${location.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const limit = Number(query.get('limit') ?? 20);
  const rowsSql = `SELECT ${EVENT_COLUMNS} FROM events e LEFT JOIN event_rsvps r ON r.event_id = e.id AND r.user_id = $1
    WHERE ${where.join(' AND ')} ORDER BY e.start_date ASC, e.id ASC LIMIT ${limit + 1}`;
  const countSql = `SELECT count(*)::int AS count FROM events e WHERE ${where.join(' AND ')}`;
  const [rows, count] = await Promise.all([
    ctx.pool.query(rowsSql, [actor.id, ...values]),
    cachedCount(query, () =>
      ctx.pool
        .query(
          countSql.replaceAll(/\$(\d+)/g, (_, n: string) => `$${Number(n) - 1}`),
          values,
        )
        .then((r) => r.rows[0].count as number),
    ),
  ]);
  const results = rows.rows.slice(0, limit);
  const last = results.at(-1);
  return {
    body: {
      results: results.map(toEvent),
      next_cursor: last && rows.rows.length > limit ? ctx.encodeCursor(['events.upcoming', last.cursor_ts, last.id]) : null,
      count,
    },
  };
}

async function rsvp(request: FloorRequest, ctx: FloorContext) {
  const actor = await ctx.authenticate(request);
  const eventId = request.params.event_id;
  return ctx
    .transaction(async (client) => {
      const { rows: events } = await client.query(
        `SELECT waitlist_enabled, attending_count, waitlist_count, CASE WHEN cancelled_at IS NOT NULL THEN 'event_cancelled' WHEN end_date <= now() THEN 'event_ended'
         WHEN now() >= coalesce(registration_deadline, start_date) THEN 'registration_closed' END AS closed,
         id, title, description, location, is_virtual, meeting_link, start_date, end_date, timezone
         FROM events WHERE id = $1 AND deleted_at IS NULL FOR NO KEY UPDATE`,
        [eventId],
      );
      if (!events[0]) throw new FloorError(404, 'not_found');
      if (events[0].closed) throw new FloorError(409, events[0].closed);
      const { rows: prev } = await client.query('SELECT status FROM event_rsvps WHERE event_id = $1 AND user_id = $2', [eventId, actor.id]);
      const from: string | null = prev[0]?.status ?? null;
      let to: string = request.body.status;
      let counts = { attending_count: events[0].attending_count, waitlist_count: events[0].waitlist_count };
      const move = async (text: string) => {
        const { rows } = await client.query(text, [eventId]);
        if (rows[0]) counts = rows[0];
        return rows[0];
      };
      const RET = 'RETURNING attending_count, waitlist_count';
      if (to === 'attending' && (from === 'attending' || from === 'waitlisted')) to = from;
      else if (to === 'attending') {
        const seat = await move(
          `UPDATE events SET attending_count = attending_count + 1 WHERE id = $1 AND (max_attendees IS NULL OR attending_count < max_attendees) ${RET}`,
        );
        if (!seat) {
          if (!events[0].waitlist_enabled) throw new FloorError(409, 'capacity_full');
          to = 'waitlisted';
          await move(`UPDATE events SET waitlist_count = waitlist_count + 1 WHERE id = $1 ${RET}`);
        }
      } else if (from === 'attending') await move(`UPDATE events SET attending_count = attending_count - 1 WHERE id = $1 ${RET}`);
      else if (from === 'waitlisted') await move(`UPDATE events SET waitlist_count = waitlist_count - 1 WHERE id = $1 ${RET}`);
      const keep = to === 'waitlisted' && from === 'waitlisted';
      const seq = to === 'waitlisted' && !keep ? "nextval('event_waitlist_seq')" : 'NULL';
      const { rows: answer } = await client.query(
        `INSERT INTO event_rsvps (event_id, user_id, status, rsvp_date, waitlist_seq) VALUES ($1, $2, $3, $4, ${seq})
       ON CONFLICT (event_id, user_id) DO UPDATE SET status = $3, rsvp_date = $4${keep ? '' : `, waitlist_seq = ${seq}`}
       RETURNING rsvp_date, waitlist_seq`,
        [eventId, actor.id, to, new Date()],
      );
      if (from === 'attending' && to !== 'attending') {
        // (the bench's events have no waitlist to promote; the statement still runs, as in Cohort)
        const promoted = await client.query(
          `UPDATE events SET attending_count = attending_count + 1, waitlist_count = waitlist_count - 1
          WHERE id = $1 AND waitlist_count > 0 AND (max_attendees IS NULL OR attending_count < max_attendees) RETURNING id`,
          [eventId],
        );
        if (promoted.rowCount) throw new Error('the floor does not promote (the bench has no waitlisted answers on these events)');
      }
      let position: number | null = null;
      if (to === 'waitlisted') {
        const { rows } = await client.query(
          `SELECT count(*)::int AS position FROM event_rsvps WHERE event_id = $1 AND status = 'waitlisted' AND waitlist_seq <= $2`,
          [eventId, answer[0].waitlist_seq],
        );
        position = rows[0].position;
      }
      const mailId =
        from !== to && (to === 'attending' || to === 'waitlisted') ? await confirm(client, actor.id, events[0], to, position) : null;
      return {
        mailId,
        body: { event_id: eventId, user_id: actor.id, status: to, rsvp_date: answer[0].rsvp_date, waitlist_position: position, ...counts },
      };
    })
    .then(async ({ mailId, body }) => {
      // After commit, the mail goes out (the bench configures no SMTP on either side: Cohort then only
      // logs it below its log level; so does this) and is marked sent.
      if (mailId) await ctx.pool.query(`UPDATE mail_outbox SET status = 'sent', sent_at = now(), attempts = 1 WHERE id = $1`, [mailId]);
      return { body };
    });
}

/**
 * The RSVP confirmation the contract asks for (issue 13: "RSVP confirmations carry [the event's
 * calendar file] as an attachment"; notifications honour each member's preferences): the in-app
 * notification, and the e-mail at once or in the daily digest, in ONE statement in the RSVP's
 * transaction. The e-mail carries the .ics (ical-generator, as the issue says) for a seat, not for
 * a place in line. Returns the id of an e-mail to send after commit.
 */
async function confirm(client: FloorClient, userId: string, event: Record<string, any>, to: string, position: number | null) {
  const when = startFormat(event.timezone).format(event.start_date);
  const where = event.is_virtual ? `online${event.meeting_link ? ` (${event.meeting_link})` : ''}` : (event.location ?? '');
  const waitlisted = to === 'waitlisted';
  const title = waitlisted ? `On the waitlist: ${event.title}` : `You're attending: ${event.title}`;
  const message = waitlisted
    ? `"${event.title}" is full; you are number ${position} on the waitlist. We'll tell you if a seat opens up.`
    : `See you at "${event.title}" on ${when}${where ? `, ${where}` : ''}.`;
  const link = `/events/${event.id}`;
  const files = waitlisted
    ? null
    : [{ filename: 'event.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH', content: calendarOf(event) }];
  const text = `${message}\n\nOpen: ${PUBLIC_URL}${link}\n${files ? '\nAttached: event.ics\n' : ''}`;
  const html = `<p>${escapeHtml(message)}</p><p><a href="${PUBLIC_URL}${link}">Open in Cohort</a></p>${files ? '<p>Attached: event.ics</p>' : ''}`;
  const { rows } = await client.query(
    `WITH who AS (
       SELECT u.id, u.email, u.name, p.email_notifications, p.email_delivery, p.notification_types -> 'event.rsvp_confirmed' AS pref
         FROM users u LEFT JOIN notification_preferences p ON p.user_id = u.id WHERE u.id = $1 AND u.status = 'active'
     ), in_app AS (
       INSERT INTO notifications (user_id, type, title, message, link, metadata)
       SELECT id, 'event.rsvp_confirmed', $2, $3, $4, $5 FROM who WHERE coalesce((pref ->> 'in_app')::boolean, true) RETURNING 1
     ), by_mail AS (
       SELECT * FROM who WHERE email_notifications IS NOT FALSE AND coalesce((pref ->> 'email')::boolean, true)
     ), digest AS (
       INSERT INTO notification_digest_items (user_id, type, title, message, link)
       SELECT id, 'event.rsvp_confirmed', $2, $3, $8 FROM by_mail WHERE email_delivery = 'daily_digest' RETURNING 1
     ), mail AS (
       INSERT INTO mail_outbox ("to", subject, template, text_body, html_body, attachments)
       SELECT email, $2, 'notification', 'Hello ' || name || E',\n\n' || $6,
              '<p>Hello ' || replace(replace(replace(name, '&', '&amp;'), '<', '&lt;'), '>', '&gt;') || ',</p>' || $7, $9::jsonb
         FROM by_mail WHERE email_delivery IS DISTINCT FROM 'daily_digest' RETURNING id
     ) SELECT (SELECT id FROM mail) AS mail_id, (SELECT count(*) FROM in_app) + (SELECT count(*) FROM digest) AS notified`,
    [
      userId,
      title,
      message,
      link,
      { event_id: event.id, rsvp_status: to, ...(waitlisted ? {} : { ics_event_id: event.id }) },
      text,
      html,
      `${PUBLIC_URL}${link}`,
      files && JSON.stringify(files),
    ],
  );
  return rows[0].mail_id as string | null;
}

const PUBLIC_URL = 'http://localhost:3000';
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const startFormats = new Map<string, Intl.DateTimeFormat>();
const startFormat = (timeZone: string) => {
  if (!startFormats.has(timeZone)) {
    const options = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' } as const;
    startFormats.set(timeZone, new Intl.DateTimeFormat('en-GB', { ...options, timeZone, timeZoneName: 'short' }));
  }
  return startFormats.get(timeZone)!;
};
/** The event's calendar file: its own time zone, the place or the link, a stable UID. */
function calendarOf(event: Record<string, any>) {
  const calendar = ical({ prodId: { company: 'Floor', product: 'Events' } });
  calendar.createEvent({
    id: `${event.id}@localhost`,
    start: event.start_date,
    end: event.end_date,
    timezone: event.timezone,
    summary: event.title,
    description: event.description,
    location: event.is_virtual ? event.meeting_link : event.location,
    url: `${PUBLIC_URL}/events/${event.id}`,
  });
  return calendar.toString();
}

const floorRoutes: FloorRoute[] = [
  { method: 'GET', path: '/api/events', handler: listEvents },
  { method: 'POST', path: '/api/events/:event_id/rsvp', handler: rsvp },
];

// ---------------------------------------------------------------------------------------------
// The data set

const MEMBERS = 'events';
/** Member g has role ROLES[g % 4]; so member 4 (tokens[3]) is an alumnus, who may create events. */
const ROLES = ['alumni', 'student', 'faculty', 'student'];
const HOST = 3;

async function seed(target: Target) {
  const started = performance.now();
  const perEvent = Math.max(1, Math.round(settings.rsvps / Math.max(1, settings.events)));
  const userCount = Math.max(1000, perEvent * 101 + 1000);
  await insertMembers(target, MEMBERS, userCount, ROLES);
  const members = `SELECT id, row_number() OVER (ORDER BY email) AS rn FROM users WHERE email LIKE '${memberEmailLike(MEMBERS)}'`;
  // Start dates spread over ±180 days (half upcoming), types, places, capacity and virtual-ness cycle.
  await target.query(
    `WITH u AS (${members})
     INSERT INTO events (title, description, event_type, location, is_virtual, meeting_link, start_date, end_date, timezone,
                         max_attendees, waitlist_enabled, created_by)
     SELECT 'Event ' || g || ' ' || (ARRAY['Careers in Data','Founders Panel','Resume Clinic','Cloud Workshop','Networking Night'])[1 + g % 5],
            'A bench event number ' || g || ' with a description long enough to be realistic for discovery and search.',
            (ARRAY['reunion','webinar','workshop','networking','career_fair','meetup','other'])[1 + g % 7],
            CASE WHEN g % 3 = 0 THEN NULL ELSE (ARRAY['Main Auditorium, Pune','Alumni Lounge, Bangalore','Rooftop Cafe, Mumbai','Campus Lawn'])[1 + g % 4] END,
            g % 3 = 0, CASE WHEN g % 3 = 0 THEN 'https://meet.example.com/' || g END,
            now() + make_interval(days => (g % 360) - 180, hours => g % 24), now() + make_interval(days => (g % 360) - 180, hours => g % 24 + 2),
            'Asia/Kolkata', CASE WHEN g % 5 < 2 THEN ${perEvent + 30} END, g % 2 = 0, u.id
       FROM generate_series(1, $1::int) g JOIN u ON u.rn = 1 + g % 1000`,
    [settings.events],
  );
  await target.query(
    `WITH e AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM events), u AS (SELECT id, rn - 1 AS rn FROM (${members}) m)
     INSERT INTO event_rsvps (event_id, user_id, status, rsvp_date)
     SELECT e.id, u.id, CASE WHEN k % 5 = 4 THEN 'maybe' WHEN k % 7 = 6 THEN 'not_attending' ELSE 'attending' END, now() - make_interval(mins => k)
       FROM e CROSS JOIN generate_series(0, $1::int - 1) k JOIN u ON u.rn = (e.rn * 37 + k * 101) % $2::int`,
    [perEvent, userCount],
  );
  await target.query(
    `UPDATE events e SET attending_count = c.n FROM (SELECT event_id, count(*)::int AS n FROM event_rsvps WHERE status = 'attending' GROUP BY event_id) c WHERE c.event_id = e.id`,
  );
  await target.query('ANALYZE events, event_rsvps, users');
  const { rows } = await target.query(
    `SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM event_rsvps) AS rsvps`,
  );
  log(
    `  seeded ${rows[0].events} events, ${rows[0].rsvps} RSVPs, ${userCount} members in ${round((performance.now() - started) / 1000, 1)} s`,
  );
}

/** 200 simultaneous RSVPs for 50 seats with a waitlist, on Cohort; `hostToken` is an alumnus (may create events). */
async function capacityCheck(run: BenchRun, target: Target, hostToken: string, crowd: string[]) {
  const cohort = target.cohort.url;
  const start = new Date(Date.now() + 5 * 86_400_000);
  const created = await fetch(`${cohort}/api/events/create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hostToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      title: 'Fifty seats',
      description: 'Capacity check',
      event_type: 'workshop',
      location: 'Lab 1',
      start_date: start.toISOString(),
      end_date: new Date(start.getTime() + 3600_000).toISOString(),
      max_attendees: 50,
      waitlist_enabled: true,
    }),
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
  const event = (await created.json()) as { id: string };
  const answers = await Promise.all(
    crowd.map((token) =>
      fetch(`${cohort}/api/events/${event.id}/rsvp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"status":"attending"}',
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { status: string; waitlist_position: number | null } })),
    ),
  );
  const { rows: check } = await target.query(
    `SELECT e.attending_count, e.waitlist_count,
            (SELECT count(*)::int FROM event_rsvps WHERE event_id = e.id AND status = 'attending') AS attending,
            (SELECT count(*)::int FROM event_rsvps WHERE event_id = e.id AND status = 'waitlisted') AS waitlisted,
            (SELECT bool_and(ordered) FROM (SELECT rsvp_date >= lag(rsvp_date) OVER (ORDER BY waitlist_seq) IS NOT FALSE AS ordered
               FROM event_rsvps WHERE event_id = e.id AND status = 'waitlisted') x) AS seq_follows_arrival
       FROM events e WHERE e.id = $1`,
    [event.id],
  );
  const positions = answers
    .filter((a) => a.body.status === 'waitlisted')
    .map((a) => a.body.waitlist_position!)
    .sort((a, b) => a - b);
  const waitlisted = crowd.length - 50;
  const capacity = {
    ok_responses: answers.filter((a) => a.status === 200).length,
    attending: check[0].attending,
    waitlisted: check[0].waitlisted,
    counters_match: check[0].attending === check[0].attending_count && check[0].waitlisted === check[0].waitlist_count,
    positions_in_order: positions.length === waitlisted && positions.every((p, i) => p === i + 1),
    waitlist_order_is_arrival_order: check[0].seq_follows_arrival,
  };
  const ok =
    capacity.ok_responses === crowd.length &&
    capacity.attending === 50 &&
    capacity.waitlisted === waitlisted &&
    capacity.counters_match &&
    capacity.positions_in_order &&
    capacity.waitlist_order_is_arrival_order;
  run.measure({
    scenario: 'events',
    what: `${crowd.length} simultaneous RSVPs for 50 seats: attending (${capacity.waitlisted} waitlisted, positions 1–${positions.length} in order: ${capacity.positions_in_order}, counters match: ${capacity.counters_match})`,
    target: target.name,
    value: capacity.attending,
    unit: 'attending',
    goal: `50 attending, ${waitlisted} waitlisted in arrival order`,
    verdict: ok ? 'ok' : 'miss',
    detail: capacity,
  });
}

// ---------------------------------------------------------------------------------------------

const scenario: Scenario = {
  name: 'events',
  title: 'Events (issue 13)',
  floorRoutes,

  async run(target, run) {
    await seed(target);
    const tokens = await loginMembers(target, MEMBERS, 300);

    // GET /api/events: upcoming, with the filters a client combines, as 50 members.
    const filters = [
      '',
      'event_type=webinar',
      'is_virtual=false&event_type=workshop',
      'location=pune',
      'event_type=meetup&is_virtual=true',
      'limit=50',
    ];
    const readers = tokens.slice(0, 50);
    await compare(run, target, {
      scenario: 'events',
      endpoint: `GET /api/events (upcoming, ${filters.length} filter mixes)`,
      load: {
        requests: filters.flatMap((f, i) =>
          Array.from({ length: 10 }, (_, j) => ({
            method: 'GET' as const,
            path: `/api/events${f ? `?${f}` : ''}`,
            headers: { authorization: `Bearer ${readers[(i * 10 + j) % readers.length]}` },
          })),
        ),
      },
      goal: { minRatio: 0.9 },
      same: (c, f) => (c?.count === f?.count ? null : `count ${c?.count} vs floor ${f?.count}`),
    });

    // RSVP: uncapped upcoming events without a deadline, 100 members per side. Each side has members
    // of its own, so both start from the same kind of answers (with shared members the second side
    // would replay the first one's answers, which change nothing). Answers cycle attending, maybe,
    // not attending, so a third of the requests ask for a seat and get a confirmation. The event of
    // request k is k·7 mod 499 (a prime): the load starts connection i at request 125·i, and with
    // 500 events connections i and i+4 always hit the same event at the same moment, an 8-way lock
    // convoy of the bench's own making (a popular event's contention is the capacity check below).
    const { rows: targets } = await target.query<{ id: string }>(
      `SELECT id FROM events WHERE max_attendees IS NULL AND start_date > now() + interval '2 days' ORDER BY id LIMIT 499`,
    );
    const rsvps = (members: string[]) => ({
      requests: Array.from({ length: 4000 }, (_, k) => ({
        method: 'POST' as const,
        path: `/api/events/${targets[(k * 7) % targets.length].id}/rsvp`,
        headers: { authorization: `Bearer ${members[k % members.length]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: ['attending', 'maybe', 'not_attending'][Math.floor(k / members.length) % 3] }),
      })),
    });
    await compare(run, target, {
      scenario: 'events',
      endpoint: `POST /api/events/{id}/rsvp (${targets.length} events, 100 members per side)`,
      load: rsvps(tokens.slice(50, 150)),
      floorLoad: rsvps(tokens.slice(150, 250)),
      goal: { minRatio: 0.9 },
    });

    await capacityCheck(run, target, tokens[HOST], tokens.slice(100, 300));
  },
};

export default scenario;
