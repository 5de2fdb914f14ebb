import { and, count, eq, gt, lt, sql } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest, notFound } from '../../lib/errors.js';
import { keyset } from '../../lib/pagination.js';
import { prepared } from '../../lib/prepared.js';
import { createdEvent, toView } from './notifications.deliver.js';
import { notificationTypes } from './notifications.registry.js';
import { notificationPreferences, notifications, type TypePreferences } from './notifications.tables.js';
import type { ListQuery, PreferencesBody } from './notifications.schemas.js';

const mine = (actor: Actor) => eq(notifications.user_id, actor.id);

/**
 * GET /api/notifications: newest first by insertion order (seq: rows written in one statement share
 * created_at), keyset pages over (user_id, seq) — the index order. The statement is prepared, so the
 * cursor's position is bound as a placeholder (`position`) rather than written in by `after`.
 */
const newestFirst = keyset<{ seq: number }>('notifications', 'desc', [{ column: notifications.seq, type: 'integer' }], (r) => [r.seq]);

// The three hot reads/writes run as named prepared statements (src/lib/prepared.ts).
const pageStatement = (ctx: AppContext, unreadOnly: boolean) =>
  prepared(ctx, `notifications-page-${unreadOnly}`, (db) =>
    db
      .select()
      .from(notifications)
      .where(
        and(
          eq(notifications.user_id, sql.placeholder('userId')),
          unreadOnly ? eq(notifications.is_read, false) : undefined,
          lt(notifications.seq, sql.placeholder('before')),
        ),
      )
      .orderBy(newestFirst.orderBy)
      .limit(sql.placeholder('limit'))
      .prepare(`notifications-page-${unreadOnly}`),
  );

export async function listNotifications(ctx: AppContext, actor: Actor, query: ListQuery) {
  const [before] = newestFirst.position(ctx, query.cursor) ?? [Number.MAX_SAFE_INTEGER];
  const rows = await pageStatement(ctx, query.unread_only).execute({ userId: actor.id, before, limit: query.limit + 1 });
  const page = newestFirst.page(ctx, rows, query.limit);
  return { results: page.results.map(toView), next_cursor: page.next_cursor };
}

export async function unreadCount(ctx: AppContext, actor: Actor) {
  const statement = prepared(ctx, 'notifications-unread-count', (db) =>
    db
      .select({ n: count() })
      .from(notifications)
      .where(and(eq(notifications.user_id, sql.placeholder('userId')), eq(notifications.is_read, false)))
      .prepare('notifications-unread-count'),
  );
  const [{ n }] = await statement.execute({ userId: actor.id });
  return { unread_count: n };
}

/** PUT /{id}/read: idempotent; the first read keeps its read_at. Someone else's id reads 404. */
export async function markRead(ctx: AppContext, actor: Actor, id: string) {
  const statement = prepared(ctx, 'notifications-mark-read', (db) =>
    db
      .update(notifications)
      .set({ is_read: true, read_at: sql`coalesce(${notifications.read_at}, now())` })
      .where(and(eq(notifications.id, sql.placeholder('id')), eq(notifications.user_id, sql.placeholder('userId'))))
      .returning()
      .prepare('notifications-mark-read'),
  );
  const [row] = await statement.execute({ id, userId: actor.id });
  if (!row) throw notFound('Notification');
  return toView(row);
}

export async function markAllRead(ctx: AppContext, actor: Actor) {
  const updated = await ctx.db
    .update(notifications)
    .set({ is_read: true, read_at: sql`now()` })
    .where(and(mine(actor), eq(notifications.is_read, false)))
    .returning({ id: notifications.id });
  return { updated: updated.length, unread_count: 0 };
}

export async function deleteNotification(ctx: AppContext, actor: Actor, id: string) {
  const deleted = await ctx.db
    .delete(notifications)
    .where(and(eq(notifications.id, id), mine(actor)))
    .returning({ id: notifications.id });
  if (!deleted.length) throw notFound('Notification');
}

/** What a stream missed: the caller's notifications inserted after SSE id `afterSeq`, oldest first. */
export async function notificationsSince(ctx: AppContext, userId: string, afterSeq: number, limit = 500) {
  const rows = await ctx.db
    .select()
    .from(notifications)
    .where(and(eq(notifications.user_id, userId), gt(notifications.seq, afterSeq)))
    .orderBy(notifications.seq)
    .limit(limit);
  return rows.map(createdEvent);
}

type PreferencesRow = typeof notificationPreferences.$inferSelect;

/** Preferences with every registered type spelled out (defaults: everything on, e-mail at once). */
function preferencesView(row: PreferencesRow | undefined) {
  const stored: TypePreferences = row?.notification_types ?? {};
  return {
    email_notifications: row?.email_notifications ?? true,
    push_notifications: row?.push_notifications ?? true,
    email_delivery: row?.email_delivery ?? 'immediate',
    notification_types: Object.fromEntries(
      notificationTypes().map((t) => [t, { in_app: stored[t]?.in_app ?? true, email: stored[t]?.email ?? true }]),
    ),
  };
}

export async function getPreferences(ctx: AppContext, actor: Actor) {
  const [row] = await ctx.db.select().from(notificationPreferences).where(eq(notificationPreferences.user_id, actor.id));
  return preferencesView(row);
}

/** PUT: partial; per-type flags merge into what is stored (one upsert, jsonb `||` per type). */
export async function updatePreferences(ctx: AppContext, actor: Actor, input: PreferencesBody) {
  const known = new Set(notificationTypes());
  const types = Object.fromEntries(
    Object.entries(input.notification_types ?? {}).map(([t, flags]) => [
      t,
      typeof flags === 'boolean' ? { in_app: flags, email: flags } : flags,
    ]),
  );
  for (const t of Object.keys(types)) {
    if (!known.has(t)) throw badRequest(`notification_types.${t}`, `is not a notification type (known: ${[...known].join(', ')})`);
  }
  // Merge per type: {"a": {"email": false}} keeps a's in_app flag as stored.
  let merged = sql`coalesce(${notificationPreferences.notification_types}, '{}'::jsonb)`;
  for (const [t, flags] of Object.entries(types)) {
    merged = sql`jsonb_set(${merged}, ARRAY[${t}]::text[], coalesce(${merged} -> ${t}, '{}'::jsonb) || ${JSON.stringify(flags)}::jsonb)`;
  }
  const scalars = {
    ...(input.email_notifications !== undefined ? { email_notifications: input.email_notifications } : {}),
    ...(input.push_notifications !== undefined ? { push_notifications: input.push_notifications } : {}),
    ...(input.email_delivery !== undefined ? { email_delivery: input.email_delivery } : {}),
  };
  const [row] = await ctx.db
    .insert(notificationPreferences)
    .values({ user_id: actor.id, ...scalars, notification_types: types })
    .onConflictDoUpdate({
      target: notificationPreferences.user_id,
      set: { ...scalars, notification_types: merged, updated_at: sql`now()` },
    })
    .returning();
  return preferencesView(row);
}
