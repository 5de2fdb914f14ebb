import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { AppError, badRequest, conflict, isUniqueViolation } from '../../lib/errors.js';
import type { Tx } from '../../db/client.js';
import { recordAudit } from '../audit/audit.service.js';
import { checkRegistrationAllowed } from '../admin/settings.service.js';
import { deliverSoon, enqueueMail } from '../mail/mail.service.js';
import { checkPasswordPolicy, hashPassword } from './auth.password.js';
import type { RegisterBody } from './auth.schemas.js';
import { noteRevoked } from './auth.revocations.js';
import { revokeAllSessions } from './auth.sessions.js';
import { emailVerifications, passwordResets, users } from './auth.tables.js';
import { hashOtp, hashToken, newOpaqueToken, newOtp } from './auth.tokens.js';

export { authenticate, login, logout, refreshSession, revokeAllSessions } from './auth.sessions.js';
export { noteRevoked, onSessionRevoked, type SessionRevoked } from './auth.revocations.js';

const OTP_MINUTES = 10;
const OTP_MAX_ATTEMPTS = 5;
const RESET_MINUTES = 30;
const HOUR = 3600;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export const findUserByEmail = async (db: Tx, email: string) =>
  (
    await db
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = ${normalizeEmail(email)}`)
  )[0];

/** Replaces any live code of the user by a new one and queues the mail with it. */
async function issueVerificationCode(ctx: AppContext, tx: Tx, user: { id: string; email: string; name: string }) {
  const code = newOtp();
  await tx
    .update(emailVerifications)
    .set({ consumed_at: new Date() })
    .where(and(eq(emailVerifications.user_id, user.id), isNull(emailVerifications.consumed_at)));
  await tx.insert(emailVerifications).values({
    user_id: user.id,
    code_hash: hashOtp(ctx.jwtKey, user.id, code),
    expires_at: new Date(Date.now() + OTP_MINUTES * 60_000),
  });
  return enqueueMail(ctx, tx, user.email, 'verify-email', { name: user.name, code });
}

export async function registerUser(ctx: AppContext, input: RegisterBody) {
  const email = normalizeEmail(input.email);
  await checkRegistrationAllowed(ctx, email, input.role); // admin settings: registration open, student domains
  checkPasswordPolicy(input.password, email);
  const password_hash = await hashPassword(input.password);
  try {
    const { user, mailId } = await ctx.db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({ email, name: input.name.trim(), role: input.role as Actor['role'], password_hash })
        .returning();
      const mailId = await issueVerificationCode(ctx, tx, user);
      await ctx.events.publish(tx, 'user.registered', { userId: user.id });
      return { user, mailId };
    });
    deliverSoon(ctx, [mailId]);
    return user;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('An account with this e-mail already exists', 'email_taken');
    throw err;
  }
}

const invalidCode = () => badRequest('otp', 'is invalid or has expired');

export async function verifyEmail(ctx: AppContext, input: { email: string; otp: string }) {
  const user = await findUserByEmail(ctx.db, input.email);
  if (!user || user.is_verified || user.status !== 'active') throw invalidCode();
  return ctx.db
    .transaction(async (tx) => {
      // Count the attempt first, atomically, so parallel guesses cannot exceed the limit.
      const [code] = await tx
        .update(emailVerifications)
        .set({ attempts: sql`${emailVerifications.attempts} + 1` })
        .where(
          and(
            eq(emailVerifications.user_id, user.id),
            isNull(emailVerifications.consumed_at),
            gt(emailVerifications.expires_at, new Date()),
            sql`${emailVerifications.attempts} < ${OTP_MAX_ATTEMPTS}`,
          ),
        )
        .returning();
      if (!code) throw invalidCode();
      if (code.code_hash !== hashOtp(ctx.jwtKey, user.id, input.otp)) {
        if (code.attempts >= OTP_MAX_ATTEMPTS) {
          await tx.update(emailVerifications).set({ consumed_at: new Date() }).where(eq(emailVerifications.id, code.id));
        }
        return { wrong: true as const };
      }
      await tx.update(emailVerifications).set({ consumed_at: new Date() }).where(eq(emailVerifications.id, code.id));
      const [verified] = await tx.update(users).set({ is_verified: true, updated_at: new Date() }).where(eq(users.id, user.id)).returning();
      return { user: verified };
    })
    .then((result) => {
      // Thrown after commit so the counted attempt is kept.
      if ('wrong' in result) throw invalidCode();
      return result.user;
    });
}

/** Per-account mail limit (resend, forgot): over it, the request is answered the same but nothing is sent. */
async function accountMailAllowed(ctx: AppContext, kind: string, email: string) {
  const state = await ctx.limiter.hit(`${kind}:${email}`, ctx.config.rateLimits.accountMailPerHour, HOUR);
  if (!state.allowed) {
    throw new AppError(429, 'rate_limited', 'Too many requests for this account; try again later', undefined, {
      'retry-after': String(state.resetSeconds),
    });
  }
}

export async function resendVerification(ctx: AppContext, input: { email: string }) {
  const email = normalizeEmail(input.email);
  await accountMailAllowed(ctx, 'resend', email);
  const user = await findUserByEmail(ctx.db, email);
  if (!user || user.is_verified || user.status !== 'active') return;
  const mailId = await ctx.db.transaction((tx) => issueVerificationCode(ctx, tx, user));
  deliverSoon(ctx, [mailId]);
}

export async function forgotPassword(ctx: AppContext, input: { email: string }) {
  const email = normalizeEmail(input.email);
  await accountMailAllowed(ctx, 'forgot', email);
  const user = await findUserByEmail(ctx.db, email);
  if (!user || user.status !== 'active') return;
  const token = newOpaqueToken();
  const mailId = await ctx.db.transaction(async (tx) => {
    await tx.insert(passwordResets).values({
      user_id: user.id,
      token_hash: hashToken(token),
      expires_at: new Date(Date.now() + RESET_MINUTES * 60_000),
    });
    const link = `${ctx.config.publicUrl}/reset-password?token=${encodeURIComponent(token)}`;
    return enqueueMail(ctx, tx, user.email, 'password-reset', { name: user.name, token, link });
  });
  deliverSoon(ctx, [mailId]);
}

export async function resetPassword(ctx: AppContext, input: { token: string; new_password: string }) {
  const [reset] = await ctx.db
    .select({ id: passwordResets.id, user_id: passwordResets.user_id, email: users.email })
    .from(passwordResets)
    .innerJoin(users, eq(users.id, passwordResets.user_id))
    .where(
      and(
        eq(passwordResets.token_hash, hashToken(input.token)),
        isNull(passwordResets.used_at),
        gt(passwordResets.expires_at, new Date()),
        eq(users.status, 'active'),
      ),
    );
  if (!reset) throw badRequest('token', 'is invalid, expired or already used');
  checkPasswordPolicy(input.new_password, reset.email, 'new_password');
  const password_hash = await hashPassword(input.new_password);
  const { user, revoked } = await ctx.db.transaction(async (tx) => {
    // Conditional update: of two parallel resets with one token, only one wins.
    const used = await tx
      .update(passwordResets)
      .set({ used_at: new Date() })
      .where(and(eq(passwordResets.id, reset.id), isNull(passwordResets.used_at)))
      .returning({ id: passwordResets.id });
    if (!used.length) throw badRequest('token', 'is invalid, expired or already used');
    // The link proves the mailbox, which is what verification proves too (imported alumni claim accounts this way).
    const [user] = await tx
      .update(users)
      .set({ password_hash, is_verified: true, updated_at: new Date() })
      .where(eq(users.id, reset.user_id))
      .returning();
    const revoked = await revokeAllSessions(tx, user.id, 'password_reset');
    await ctx.events.publish(tx, 'user.password_reset', { userId: user.id });
    return { user, revoked };
  });
  noteRevoked(ctx, revoked);
  return user;
}

export async function getUser(ctx: AppContext, id: string) {
  return (await ctx.db.select().from(users).where(eq(users.id, id)))[0];
}

/**
 * ADMIN_EMAIL at start-up: creates that admin when no account has the e-mail, and otherwise
 * leaves the account alone, so a later suspension or demotion of it is never undone by a restart.
 * `cohort create-admin` (an operator at the console) passes `promote` to (re)make it an active admin.
 */
export async function ensureAdmin(ctx: Pick<AppContext, 'db'>, email: string, password: string, options: { promote?: boolean } = {}) {
  checkPasswordPolicy(password, email);
  const password_hash = await hashPassword(password);
  const normalized = normalizeEmail(email);
  const set = { role: 'admin' as const, password_hash, is_verified: true, status: 'active' as const, updated_at: new Date() };
  const ensure = () =>
    ctx.db.transaction(async (tx) => {
      // The unique index is on lower(email), which ON CONFLICT cannot target from drizzle: look, then insert.
      const existing = await findUserByEmail(tx, normalized);
      if (existing && !options.promote) return existing;
      const [user] = existing
        ? await tx.update(users).set(set).where(eq(users.id, existing.id)).returning()
        : await tx
            .insert(users)
            .values({ email: normalized, name: 'Administrator', ...set })
            .returning();
      await recordAudit(tx, {
        adminId: null,
        actionType: existing ? 'user.promote_admin' : 'user.create_admin',
        targetType: 'user',
        targetId: user.id,
        description: existing ? `Console made ${normalized} an active admin` : `Start-up created the admin ${normalized}`,
      });
      return user;
    });
  // Two instances starting at once on an empty database: the loser of the insert finds the winner's account.
  return ensure().catch(async (err) => {
    if (!isUniqueViolation(err)) throw err;
    return ensure();
  });
}
