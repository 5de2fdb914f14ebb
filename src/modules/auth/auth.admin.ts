import type { Static } from '@sinclair/typebox';
import { and, count, eq, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { conflict, notFound, badRequest } from '../../lib/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import { anonymizeMailTo } from '../mail/mail.anonymize.js';
import { bumpProfilesGeneration } from '../profiles/profiles.cache.js';
import { anonymizeProfile, DELETED_USER_NAME } from '../profiles/profiles.anonymize.js';
import { profiles } from '../profiles/profiles.tables.js';
import { jobApplications } from '../jobs/jobs.tables.js';
import { noteRevoked } from './auth.revocations.js';
import { revokeAllSessions } from './auth.sessions.js';
import { emailVerifications, passwordResets, sessions, users } from './auth.tables.js';
import { cursorTimestamp, keyset } from '../../lib/pagination.js';
import { parseDateRange, type Role } from '../../lib/schemas.js';
import { containsPattern } from '../../lib/text.js';
import type { UserListQuerySchema } from '../admin/admin.users.schemas.js';

/**
 * User management by admins (GET/PUT/DELETE /api/admin/users/…, suspend, activate). Every write
 * locks the active admins first (always in the same order, so two admins acting at once cannot
 * deadlock), then the target; the last active admin can therefore never be demoted, suspended or
 * deleted, even by two requests in parallel. Each write is audited in its transaction.
 */

export type UserListQuery = Static<typeof UserListQuerySchema>;

const listColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  is_verified: users.is_verified,
  status: users.status,
  last_login_at: users.last_login_at,
  created_at: users.created_at,
  updated_at: users.updated_at,
  profile_verification_status: profiles.verification_status,
};

const userList = keyset<{ cursor_ts: string; id: string }>(
  'admin.users',
  'desc',
  [
    { column: users.created_at, type: 'timestamp' },
    { column: users.id, type: 'uuid' },
  ],
  (row) => [row.cursor_ts, row.id],
);

/** GET /api/admin/users: newest first; blank filters filter nothing (SEARCH.md); the count shares the WHERE. */
export async function listUsers(ctx: AppContext, query: UserListQuery) {
  const value = (v: string | undefined) => v?.trim() || undefined;
  const { from: joinedFrom, to: joinedTo } = parseDateRange(
    { from: query.joined_from, to: query.joined_to },
    { from: 'joined_from', to: 'joined_to' },
  );
  const where: SQL[] = [];
  const role = value(query.role);
  if (role) where.push(sql`${users.role} = ${role}`);
  const status = value(query.status);
  if (status) where.push(sql`${users.status} = ${status}`);
  const verified = value(query.verified);
  if (verified) where.push(eq(users.is_verified, verified === 'true'));
  const q = value(query.q);
  if (q) {
    const pattern = containsPattern(q);
    where.push(sql`(${users.name} ILIKE ${pattern} OR ${users.email} ILIKE ${pattern})`);
  }
  if (joinedFrom) where.push(sql`${users.created_at} >= ${joinedFrom}::timestamptz`);
  if (joinedTo) where.push(sql`${users.created_at} <= ${joinedTo}::timestamptz`);
  const [rows, [{ total }]] = await Promise.all([
    ctx.db
      .select({ ...listColumns, cursor_ts: cursorTimestamp(users.created_at) })
      .from(users)
      .leftJoin(profiles, eq(profiles.user_id, users.id))
      .where(and(...where, userList.after(ctx, query.cursor)))
      .orderBy(userList.orderBy)
      .limit(query.limit + 1),
    ctx.db
      .select({ total: count() })
      .from(users)
      .where(and(...where)),
  ]);
  return { ...userList.page(ctx, rows, query.limit), count: total };
}

export async function getUserDetail(ctx: AppContext, userId: string) {
  const [row] = await ctx.db
    .select({
      ...listColumns,
      profile_is_verified: profiles.is_verified,
      directory_visible: profiles.directory_visible,
      profile_completion_percentage: profiles.profile_completion_percentage,
      active_sessions: sql<number>`(SELECT count(*)::int FROM ${sessions} s WHERE s.user_id = ${users.id} AND s.revoked_at IS NULL AND s.expires_at > now())`,
    })
    .from(users)
    .leftJoin(profiles, eq(profiles.user_id, users.id))
    .where(eq(users.id, userId));
  if (!row) throw notFound('User');
  return row;
}

export interface UserChange {
  role?: Role;
  status?: 'active' | 'suspended';
  name?: string;
}

type UserRow = typeof users.$inferSelect;

/** Locks the active admins (in id order), then the target; 404 without it. */
async function lockForChange(tx: Tx, userId: string) {
  const admins = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), eq(users.status, 'active')))
    .orderBy(users.id)
    .for('update');
  const [target] = await tx.select().from(users).where(eq(users.id, userId)).for('update');
  if (!target) throw notFound('User');
  return { target, activeAdmins: admins.length };
}

/** The two rules of the issue: no admin removes themself, and the last active admin stays. */
function protectAdmins(admin: Actor, target: UserRow, activeAdmins: number, removesAdmin: boolean) {
  if (!removesAdmin) return;
  if (target.id === admin.id) throw conflict('You cannot demote, suspend or delete your own account', 'self_change');
  if (target.role === 'admin' && target.status === 'active' && activeAdmins <= 1) {
    throw conflict('This is the last active admin; make someone else an admin first', 'last_admin');
  }
}

const audit = (tx: Tx, admin: Actor, ip: string | undefined, target: UserRow, actionType: string, description: string, metadata = {}) =>
  recordAudit(tx, { adminId: admin.id, actionType, targetType: 'user', targetId: target.id, description, metadata, ip });

/** PUT /api/admin/users/{id} (role, status, name) and the suspend/activate shortcuts. */
export async function changeUser(ctx: AppContext, admin: Actor, userId: string, change: UserChange, ip?: string) {
  const name = change.name?.trim();
  if (change.name !== undefined && !name) throw badRequest('name', 'must not be blank');
  const updated = await ctx.db.transaction(async (tx) => {
    const { target, activeAdmins } = await lockForChange(tx, userId);
    if (target.status === 'deleted') throw conflict('This account was deleted', 'user_deleted');
    const role = change.role ?? target.role;
    const status = change.status ?? target.status;
    const removesAdmin = target.role === 'admin' && target.status === 'active' && (role !== 'admin' || status !== 'active');
    protectAdmins(admin, target, activeAdmins, removesAdmin);
    const [row] = await tx
      .update(users)
      .set({ role, status, name: name ?? target.name, updated_at: new Date() })
      .where(eq(users.id, userId))
      .returning();
    if (role !== target.role) {
      await audit(tx, admin, ip, target, 'user.role_change', `Changed the role of ${target.email} from ${target.role} to ${role}`, {
        from: target.role,
        to: role,
      });
    }
    if (status !== target.status) {
      if (status === 'suspended') {
        // Every session at once: the next request with any of the account's tokens is a 401.
        await revokeAllSessions(tx, userId, 'suspended');
        await ctx.events.publish(tx, 'user.suspended', { userId });
      } else {
        await ctx.events.publish(tx, 'user.activated', { userId });
      }
      await audit(
        tx,
        admin,
        ip,
        target,
        status === 'suspended' ? 'user.suspend' : 'user.activate',
        `${status === 'suspended' ? 'Suspended' : 'Activated'} ${target.email}`,
      );
    }
    if (name !== undefined && name !== target.name) {
      await audit(tx, admin, ip, target, 'user.rename', `Renamed ${target.email}`, { from: target.name, to: name });
    }
    return { row, accessChanged: role !== target.role || status !== target.status };
  });
  // This instance refuses the account's tokens at once (the database's notice reaches every instance within milliseconds).
  if (updated.accessChanged) noteRevoked(ctx, [{ userId }]);
  // The profile's listing follows the account status (trigger on users.status): cached facets and counts are stale now.
  if (change.status) await bumpProfilesGeneration(ctx);
  return getUserDetail(ctx, updated.row.id);
}

/**
 * DELETE /api/admin/users/{id}: soft delete. The account stays (content keeps pointing at it) but is
 * named "Deleted user", its e-mail replaced, password and codes dropped, sessions revoked; the
 * profile, stored files (photo, CV, application CVs) and the mail outbox are anonymized.
 */
export async function deleteUser(ctx: AppContext, admin: Actor, userId: string, ip?: string) {
  const files = await ctx.db.transaction(async (tx) => {
    const { target, activeAdmins } = await lockForChange(tx, userId);
    if (target.status === 'deleted') throw notFound('User');
    protectAdmins(admin, target, activeAdmins, target.role === 'admin' && target.status === 'active');
    if (target.id === admin.id) throw conflict('You cannot delete your own account here', 'self_change');
    const placeholder = `deleted-${target.id}@deleted.invalid`;
    await tx
      .update(users)
      .set({
        status: 'deleted',
        email: placeholder,
        name: DELETED_USER_NAME,
        password_hash: null,
        is_verified: false,
        updated_at: new Date(),
      })
      .where(eq(users.id, userId));
    await revokeAllSessions(tx, userId, 'deleted');
    await tx.delete(emailVerifications).where(eq(emailVerifications.user_id, userId));
    await tx.delete(passwordResets).where(eq(passwordResets.user_id, userId));
    const profileFiles = await anonymizeProfile(tx, userId);
    const applicationFiles = await tx
      .select({ key: jobApplications.cv_key })
      .from(jobApplications)
      .where(eq(jobApplications.applicant_id, userId));
    await anonymizeMailTo(tx, target.email, placeholder);
    await ctx.events.publish(tx, 'user.deleted', { userId });
    // The audit entry keeps no personal data either: the id is the reference.
    await audit(tx, admin, ip, target, 'user.delete', `Deleted the account of a ${target.role} and anonymized its personal data`, {
      role: target.role,
    });
    return [...profileFiles, ...applicationFiles.map((r) => r.key)];
  });
  noteRevoked(ctx, [{ userId }]);
  await bumpProfilesGeneration(ctx);
  for (const key of files) {
    await ctx.storage.delete(key).catch((err) => ctx.log.warn({ err, key }, 'could not delete a stored file'));
  }
}

declare module '../../lib/events.js' {
  interface EventMap {
    /** An admin suspended the account: its sessions are revoked; real-time streams should close. */
    'user.suspended': { userId: string };
    'user.activated': { userId: string };
    /** An admin deleted (anonymized) the account. */
    'user.deleted': { userId: string };
  }
}
