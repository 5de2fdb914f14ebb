import { and, count, eq } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest, conflict, isUniqueViolation, notFound } from '../../lib/errors.js';
import { cursorTimestamp, keyset } from '../../lib/pagination.js';
import { recordAudit } from '../audit/audit.service.js';
import { users } from '../auth/auth.tables.js';
import './profiles.events.js';
import { bumpProfilesGeneration } from './profiles.cache.js';
import { loadWithOwner, setVerificationColumns, viewOf } from './profiles.service.js';
import { profileVerificationRequests as requests, profiles } from './profiles.tables.js';

/**
 * unverified/rejected → pending (member asks, or a verified profile edits its verified facts)
 * → verified or rejected (an admin decides, with a reason for a rejection). Every request and
 * its outcome stays in profile_verification_requests: who decided, when, and why.
 */
export async function requestVerification(ctx: AppContext, actor: Actor) {
  try {
    const view = await ctx.db.transaction(async (tx) => {
      const current = await loadWithOwner(ctx, tx, actor.id, true);
      if (!current) throw notFound('Profile');
      const status = current.profile.verification_status;
      if (status === 'pending') throw conflict('A verification request is already pending', 'already_requested');
      if (status === 'verified') throw conflict('The profile is already verified');
      await tx.insert(requests).values({ user_id: actor.id, source: 'member' });
      await setVerificationColumns(tx, actor.id, { verification_status: 'pending', is_verified: false });
      return viewOf(ctx, tx, actor.id, actor);
    });
    await bumpProfilesGeneration(ctx);
    return view;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('A verification request is already pending', 'already_requested');
    throw err;
  }
}

/** Oldest request first: the admin's queue. */
const queue = keyset<{ requested_at_text: string; id: string }>(
  'profiles.verifications',
  'asc',
  [
    { column: requests.requested_at, type: 'timestamp' },
    { column: requests.id, type: 'uuid' },
  ],
  (row) => [row.requested_at_text, row.id],
);

export async function listPendingVerifications(ctx: AppContext, query: { limit: number; cursor?: string }) {
  const pending = eq(requests.status, 'pending');
  const after = queue.after(ctx, query.cursor);
  const [rows, [{ total }]] = await Promise.all([
    ctx.db
      .select({
        id: requests.id,
        user_id: requests.user_id,
        source: requests.source,
        requested_at: requests.requested_at,
        requested_at_text: cursorTimestamp(requests.requested_at),
        email: users.email,
        name: profiles.name,
        headline: profiles.headline,
        current_company: profiles.current_company,
        current_role: profiles.current_role,
        batch_year: profiles.batch_year,
        degree: profiles.degree,
        department: profiles.department,
        profile_completion_percentage: profiles.profile_completion_percentage,
      })
      .from(requests)
      .innerJoin(profiles, eq(profiles.user_id, requests.user_id))
      .innerJoin(users, eq(users.id, requests.user_id))
      .where(and(pending, after))
      .orderBy(queue.orderBy)
      .limit(query.limit + 1),
    ctx.db.select({ total: count() }).from(requests).innerJoin(profiles, eq(profiles.user_id, requests.user_id)).where(pending),
  ]);
  return { ...queue.page(ctx, rows, query.limit), count: total };
}

/** An admin approves or declines the pending request; the member is notified through the decision event. */
export async function decideVerification(
  ctx: AppContext,
  admin: Actor,
  userId: string,
  decision: { approve: true } | { approve: false; reason: string },
  ip?: string,
) {
  const reason = decision.approve ? null : decision.reason.trim();
  if (!decision.approve && !reason) throw badRequest('reason', 'must not be blank');
  const { view } = await ctx.db.transaction(async (tx) => {
    const current = await loadWithOwner(ctx, tx, userId, true);
    if (!current) throw notFound('Profile');
    if (current.profile.verification_status !== 'pending') throw conflict('This profile has no pending verification request');
    const now = new Date();
    await tx
      .update(requests)
      .set({ status: decision.approve ? 'approved' : 'rejected', decided_by: admin.id, decided_at: now, reason })
      .where(and(eq(requests.user_id, userId), eq(requests.status, 'pending')));
    await setVerificationColumns(
      tx,
      userId,
      decision.approve
        ? { verification_status: 'verified', is_verified: true, verified_by: admin.id, verified_at: now }
        : { verification_status: 'rejected', is_verified: false, verified_by: null, verified_at: null },
    );
    const name = current.profile.name;
    // The notification service tells the member (profiles.notifications.ts).
    const decided = decision.approve ? 'approved' : 'rejected';
    await ctx.events.publish(tx, 'profile.verification_decided', { userId, decision: decided, reason, byAdminId: admin.id });
    await recordAudit(tx, {
      adminId: admin.id,
      actionType: decision.approve ? 'profile.verify' : 'profile.reject',
      targetType: 'user',
      targetId: userId,
      description: decision.approve ? `Verified the profile of ${name}` : `Declined the verification of ${name}`,
      metadata: reason ? { reason } : {},
      ip,
    });
    return { view: await viewOf(ctx, tx, userId, admin) };
  });
  await bumpProfilesGeneration(ctx); // verified_only counts
  return view;
}
