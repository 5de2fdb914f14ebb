import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { AppError, forbidden, unauthenticated } from '../../lib/errors.js';
import type { Tx } from '../../db/client.js';
import { burnPasswordCheck, verifyPassword } from './auth.password.js';
import { noteRevoked, revocationsOf, type SessionRevoked } from './auth.revocations.js';
import { refreshTokens, sessions, users } from './auth.tables.js';
import { ACCESS_TOKEN_SECONDS, hashToken, newOpaqueToken, SESSION_DAYS, signAccessToken, verifyAccessToken } from './auth.tokens.js';

const FIFTEEN_MINUTES = 15 * 60;

const sessionEnded = () => unauthenticated('The session has ended; sign in again');
const invalidCredentials = () => new AppError(401, 'invalid_credentials', 'E-mail or password is wrong');

async function issueTokenPair(ctx: AppContext, tx: Tx, user: typeof users.$inferSelect, sessionId: string) {
  const refresh_token = newOpaqueToken();
  await tx.insert(refreshTokens).values({ token_hash: hashToken(refresh_token), session_id: sessionId });
  const access_token = await signAccessToken(ctx.jwtKey, { userId: user.id, role: user.role, sessionId });
  return { access_token, refresh_token, token_type: 'Bearer' as const, expires_in: ACCESS_TOKEN_SECONDS, user };
}

export async function login(ctx: AppContext, input: { email: string; password: string }) {
  const email = input.email.trim().toLowerCase();
  const failuresKey = `login-failures:${email}`;
  const limit = ctx.config.rateLimits.loginFailuresPer15Min;
  const before = await ctx.limiter.peek(failuresKey, limit, FIFTEEN_MINUTES);
  if (!before.allowed) {
    throw new AppError(429, 'rate_limited', 'Too many failed logins for this account; try again later', undefined, {
      'retry-after': String(before.resetSeconds),
    });
  }
  const [user] = await ctx.db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${email}`);
  const ok = user?.password_hash
    ? await verifyPassword(user.password_hash, input.password)
    : (await burnPasswordCheck(input.password), false);
  if (!user || !ok || user.status === 'deleted') {
    await ctx.limiter.hit(failuresKey, limit, FIFTEEN_MINUTES);
    throw invalidCredentials();
  }
  // Only a caller who knows the password learns the account's state.
  if (user.status === 'suspended') throw forbidden('This account is suspended');
  if (!user.is_verified) throw new AppError(403, 'email_not_verified', 'Verify your e-mail address before signing in');
  return ctx.db.transaction(async (tx) => {
    const [session] = await tx
      .insert(sessions)
      .values({ user_id: user.id, expires_at: new Date(Date.now() + SESSION_DAYS * 86_400_000) })
      .returning({ id: sessions.id });
    const [fresh] = await tx.update(users).set({ last_login_at: new Date() }).where(eq(users.id, user.id)).returning();
    return issueTokenPair(ctx, tx, fresh, session.id);
  });
}

/**
 * Rotates a refresh token. Presenting one that was already rotated means it leaked (or a client
 * raced itself): the whole session is revoked, so the thief's and the owner's tokens all stop working.
 */
export async function refreshSession(ctx: AppContext, input: { refresh_token: string }) {
  const tokenHash = hashToken(input.refresh_token);
  const outcome = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ token: refreshTokens, session: sessions, user: users })
      .from(refreshTokens)
      .innerJoin(sessions, eq(sessions.id, refreshTokens.session_id))
      .innerJoin(users, eq(users.id, sessions.user_id))
      .where(eq(refreshTokens.token_hash, tokenHash))
      .for('update', { of: sessions });
    if (!row || row.session.revoked_at || row.session.expires_at <= new Date() || row.user.status !== 'active') return null;
    const claimed = await tx
      .update(refreshTokens)
      .set({ used_at: new Date() })
      .where(and(eq(refreshTokens.token_hash, tokenHash), isNull(refreshTokens.used_at)))
      .returning({ token_hash: refreshTokens.token_hash });
    if (!claimed.length) {
      await tx
        .update(sessions)
        .set({ revoked_at: new Date(), revoked_reason: 'refresh_token_reuse' })
        .where(eq(sessions.id, row.session.id));
      return { reused: { userId: row.user.id, sessionId: row.session.id } };
    }
    return issueTokenPair(ctx, tx, row.user, row.session.id);
  });
  if (outcome && 'reused' in outcome) noteRevoked(ctx, [outcome.reused]);
  if (!outcome || 'reused' in outcome) throw unauthenticated('The refresh token is not valid');
  return outcome;
}

export async function logout(ctx: AppContext, actor: Actor) {
  await ctx.db
    .update(sessions)
    .set({ revoked_at: new Date(), revoked_reason: 'logout' })
    .where(and(eq(sessions.id, actor.sessionId), isNull(sessions.revoked_at)));
  noteRevoked(ctx, [{ userId: actor.id, sessionId: actor.sessionId }]);
}

/**
 * Ends every live session of the user (password reset, suspension, deletion), inside the caller's
 * transaction. Every instance hears of it at commit (a trigger NOTIFYs: auth.revocations.ts); pass
 * the returned list to `noteRevoked(ctx, …)` after commit to refuse the tokens here at once.
 */
export async function revokeAllSessions(tx: Tx, userId: string, reason: string): Promise<SessionRevoked[]> {
  const revoked = await tx
    .update(sessions)
    .set({ revoked_at: new Date(), revoked_reason: reason })
    .where(and(eq(sessions.user_id, userId), isNull(sessions.revoked_at)))
    .returning({ sessionId: sessions.id });
  return [{ userId }, ...revoked.map(({ sessionId }) => ({ userId, sessionId }))];
}

/**
 * Turns a bearer token into the caller. A verified token is trusted as it is unless its session was
 * revoked or its user changed since (auth.revocations.ts: an in-memory set fed by the database's
 * notices, so the hot path sends no statement); without a live listener, or for a changed user,
 * the session and user are checked in the database, so logout, reuse detection, password reset and
 * suspension take effect at once either way.
 */
export async function authenticate(ctx: AppContext, token: string): Promise<Actor> {
  const claims = await verifyAccessToken(ctx.jwtKey, token);
  const revocations = revocationsOf(ctx);
  if (revocations?.live && !revocations.userChanged(claims.userId)) {
    if (revocations.sessionRevoked(claims.sessionId)) throw sessionEnded();
    return { id: claims.userId, role: claims.role, sessionId: claims.sessionId };
  }
  const { rows } = await ctx.pool.query<{ role: Actor['role'] }>({
    name: 'auth-session',
    text: `SELECT u.role FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active'`,
    values: [claims.sessionId, claims.userId],
  });
  if (!rows[0]) throw sessionEnded();
  // The role as it is now (a changed user's token may carry the old one until it is refreshed).
  return { id: claims.userId, role: rows[0].role, sessionId: claims.sessionId };
}
