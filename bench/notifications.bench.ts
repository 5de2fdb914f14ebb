/**
 * Issue 11 (notifications): three members hold 0, 50 and BENCH_NOTIFICATIONS (5,000) notifications;
 * GET /api/notifications/unread-count and the first page of GET /api/notifications (limit 20) are
 * loaded for each, and PUT /api/notifications/{id}/read for the fullest inbox, each beside a floor
 * running the SQL of src/modules/notifications/notifications.service.ts as of this writing (when
 * the service changes, change the floor here).
 */
import {
  compare,
  FloorError,
  insertMembers,
  loginMembers,
  settings,
  type FloorContext,
  type FloorRequest,
  type FloorRoute,
  type Scenario,
} from './lib.js';

// ---------------------------------------------------------------------------------------------
// Floor: the SQL of notifications.service.ts

const COLUMNS = 'id, seq, user_id, type, title, message, link, priority, metadata, is_read, read_at, dedupe_key, created_at';
const view = (n: Record<string, unknown>) => ({
  id: n.id,
  type: n.type,
  title: n.title,
  message: n.message,
  link: n.link,
  priority: n.priority,
  metadata: n.metadata,
  is_read: n.is_read,
  read_at: n.read_at,
  created_at: n.created_at,
});

async function unreadCount(request: FloorRequest, ctx: FloorContext) {
  const actor = await ctx.authenticate(request);
  const { rows } = await ctx.pool.query({
    name: 'notifications-unread-count',
    text: 'SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND is_read = false',
    values: [actor.id],
  });
  return { body: { unread_count: rows[0].n } };
}

async function firstPage(request: FloorRequest, ctx: FloorContext) {
  const actor = await ctx.authenticate(request);
  const limit = Number(request.query.get('limit') ?? 20);
  const { rows } = await ctx.pool.query({
    name: 'notifications-page',
    text: `SELECT ${COLUMNS} FROM notifications WHERE user_id = $1 ORDER BY seq DESC LIMIT $2`,
    values: [actor.id, limit + 1],
  });
  const page = rows.slice(0, limit);
  return {
    body: { results: page.map(view), next_cursor: rows.length > limit ? ctx.encodeCursor(['notifications', page.at(-1)!.seq]) : null },
  };
}

async function markRead(request: FloorRequest, ctx: FloorContext) {
  const actor = await ctx.authenticate(request);
  const { rows } = await ctx.pool.query({
    name: 'notifications-mark-read',
    text: `UPDATE notifications SET is_read = true, read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
    values: [request.params.id, actor.id],
  });
  if (!rows[0]) throw new FloorError(404, 'not_found');
  return { body: view(rows[0]) };
}

const floorRoutes: FloorRoute[] = [
  { method: 'GET', path: '/api/notifications/unread-count', handler: unreadCount },
  { method: 'GET', path: '/api/notifications', handler: firstPage },
  { method: 'PUT', path: '/api/notifications/:id/read', handler: markRead },
];

// ---------------------------------------------------------------------------------------------

const scenario: Scenario = {
  name: 'notifications',
  title: 'Notifications (issue 11)',
  floorRoutes,

  async run(target, run) {
    const sizes = [...new Set([0, 50, settings.notifications])].sort((a, b) => a - b);
    const ids = await insertMembers(target, 'notifications', sizes.length);
    // A realistic mix: a third unread, titles and messages of a usual length.
    for (const [i, size] of sizes.entries()) {
      await target.query(
        `INSERT INTO notifications (user_id, type, title, message, link, priority, metadata, is_read, read_at, created_at)
         SELECT $1, 'application.status_changed', 'Your application for Data Engineer ' || g || ': shortlisted',
                'Your application for "Data Engineer ' || g || '" is now: shortlisted. We will be in touch about the next steps.',
                '/applications/' || gen_random_uuid(), 'normal', jsonb_build_object('job_id', gen_random_uuid()),
                g % 3 <> 0, CASE WHEN g % 3 <> 0 THEN now() END, now() - (($2::int - g) || ' minutes')::interval
         FROM generate_series(1, $2::int) AS g`,
        [ids[i], size],
      );
    }
    await target.query('ANALYZE notifications');
    const tokens = await loginMembers(target, 'notifications', sizes.length);
    const auth = (i: number) => ({ authorization: `Bearer ${tokens[i]}` });
    const held = (size: number) => `${size.toLocaleString('en-US')} held`;

    for (const [i, size] of sizes.entries()) {
      await compare(run, target, {
        scenario: 'notifications',
        endpoint: `GET /api/notifications/unread-count (${held(size)})`,
        load: { path: '/api/notifications/unread-count', headers: auth(i) },
        same: (c, f) => (c?.unread_count === f?.unread_count ? null : `unread_count ${c?.unread_count} vs floor ${f?.unread_count}`),
      });
    }
    for (const [i, size] of sizes.entries()) {
      await compare(run, target, {
        scenario: 'notifications',
        endpoint: `GET /api/notifications?limit=20 (${held(size)})`,
        load: { path: '/api/notifications?limit=20', headers: auth(i) },
        same: (c, f) => (c?.results?.[0]?.id === f?.results?.[0]?.id ? null : 'a different first notification'),
      });
    }
    const fullest = sizes.length - 1;
    const { rows } = await target.query<{ id: string }>('SELECT id FROM notifications WHERE user_id = $1 ORDER BY seq DESC LIMIT 1000', [
      ids[fullest],
    ]);
    await compare(run, target, {
      scenario: 'notifications',
      endpoint: `PUT /api/notifications/{id}/read (${rows.length} ids, ${held(sizes[fullest])})`,
      load: { headers: auth(fullest), requests: rows.map(({ id }) => ({ method: 'PUT', path: `/api/notifications/${id}/read` })) },
      probe: 5,
    });
  },
};

export default scenario;
