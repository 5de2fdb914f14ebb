import { and, eq, gt, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest } from '../../lib/errors.js';
import { isSafeLink } from '../../lib/schemas.js';
import { recordAudit } from '../audit/audit.service.js';
import { users } from '../auth/auth.tables.js';
import { profiles } from '../profiles/profiles.tables.js';
import { deliver, inTransaction } from './notifications.deliver.js';
import type { BroadcastBody } from './notifications.schemas.js';
import { notificationBroadcasts, type BroadcastAudience } from './notifications.tables.js';

export const BROADCAST_JOB = 'notifications.broadcast';
/** People per transaction: big enough to be quick, small enough to keep locks and memory short. */
export const BROADCAST_BATCH = 500;

/** Active, verified accounts in the audience (all of them when no filter is given). */
function audienceWhere(a: BroadcastAudience): SQL | undefined {
  return and(
    eq(users.status, 'active'),
    eq(users.is_verified, true),
    a.roles?.length ? inArray(users.role, a.roles as (typeof users.role.enumValues)[number][]) : undefined,
    a.batch_years?.length ? inArray(profiles.batch_year, a.batch_years) : undefined,
    a.departments?.length
      ? sql`lower(${profiles.department}) = ANY(${sql.param(a.departments.map((d) => d.toLowerCase()))}::text[])`
      : undefined,
  );
}

/**
 * POST /api/admin/notifications/broadcast: records the announcement (and the audit entry) and queues
 * its job in one transaction; answers at once with the number of people it will reach.
 */
export async function broadcast(ctx: AppContext, admin: Actor, input: BroadcastBody & { ip?: string }) {
  // The schema's pattern refuses most bad links; this also parses the URL form (decision 113).
  if (input.link && !isSafeLink(input.link)) throw badRequest('link', 'must be a site path starting with one / or an http(s) URL');
  const audience: BroadcastAudience = input.audience ?? {};
  return ctx.db.transaction(async (tx) => {
    const [{ n }] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(users)
      .leftJoin(profiles, eq(profiles.user_id, users.id))
      .where(audienceWhere(audience));
    const [row] = await tx
      .insert(notificationBroadcasts)
      .values({
        admin_id: admin.id,
        title: input.title.trim(),
        message: input.message.trim(),
        link: input.link ?? null,
        priority: input.priority ?? 'normal',
        audience,
        recipients: n,
      })
      .returning({ id: notificationBroadcasts.id });
    await recordAudit(tx, {
      adminId: admin.id,
      actionType: 'notification.broadcast',
      targetType: 'notification_broadcast',
      targetId: row.id,
      description: `Broadcast "${input.title.trim()}" to ${n} people`,
      metadata: { audience, recipients: n, priority: input.priority ?? 'normal' },
      ip: input.ip ?? null,
    });
    await ctx.jobs.send(tx, BROADCAST_JOB, { broadcastId: row.id });
    return { id: row.id, recipients: n };
  });
}

/**
 * The broadcast job: one transaction per batch of people (ordered by id), each recording how far it
 * got, so a retried or restarted job resumes after the last committed batch and nobody gets it twice
 * (the per-person dedupe key backs that up). Preferences apply through deliver().
 */
export async function runBroadcast(ctx: AppContext, broadcastId: string) {
  for (;;) {
    const more = await inTransaction(ctx, async (tx, delivery) => {
      const [b] = await tx
        .select()
        .from(notificationBroadcasts)
        .where(and(eq(notificationBroadcasts.id, broadcastId), isNull(notificationBroadcasts.done_at)))
        .for('update');
      if (!b) return false;
      const batch = await tx
        .select({ id: users.id })
        .from(users)
        .leftJoin(profiles, eq(profiles.user_id, users.id))
        .where(and(audienceWhere(b.audience), b.last_user_id ? gt(users.id, b.last_user_id) : undefined))
        .orderBy(users.id)
        .limit(BROADCAST_BATCH);
      const content = { title: b.title, message: b.message, link: b.link, priority: b.priority, metadata: { broadcast_id: b.id } };
      await deliver(
        ctx,
        tx,
        'announcement',
        batch.map((u) => ({ userId: u.id, content, dedupeKey: `broadcast:${b.id}:${u.id}` })),
        delivery,
      );
      const done = batch.length < BROADCAST_BATCH;
      await tx
        .update(notificationBroadcasts)
        .set({ last_user_id: batch.at(-1)?.id ?? b.last_user_id, ...(done ? { done_at: new Date() } : {}) })
        .where(eq(notificationBroadcasts.id, b.id));
      return !done;
    });
    if (!more) return;
  }
}
