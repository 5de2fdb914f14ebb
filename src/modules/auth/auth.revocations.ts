import pg from 'pg';
import type { AppContext } from '../../lib/context.js';
import { ACCESS_TOKEN_SECONDS } from './auth.tokens.js';

/**
 * Which verified access tokens must still be refused, kept in memory so authentication costs no
 * statement (docs/decisions/040-revocations-in-memory.md).
 *
 * PostgreSQL announces every change itself (triggers of the `auth_revocations_sql` migration, at
 * commit, to every instance LISTENing on the database): a session revoked or deleted
 * (`{"s": session, "u": user}`), or a user whose status or role changed (`{"u": user}`). A revoked
 * session is refused; a changed user is checked against the database on each request for a while
 * (suspended, deleted, or another role). Entries live one access-token lifetime (plus a margin):
 * a token older than that has expired anyway, and no new token is issued for a revoked session or
 * an inactive user. While the listener is down (and until it has re-read the recent revocations
 * after reconnecting), every request checks the database instead.
 */
export const REVOCATIONS_CHANNEL = 'cohort_auth_revocations';
const KEEP_MS = (ACCESS_TOKEN_SECONDS + 60) * 1000;
const HEARTBEAT_MS = 2000;
const RECONNECT_MS = 500;

/** What a listener hears: one session ended, or (no sessionId) every session of the user may have. */
export interface SessionRevoked {
  userId: string;
  sessionId?: string;
}
export type SessionRevokedListener = (event: SessionRevoked) => void;

export interface Revocations {
  /** False while the listener is down: authenticate then checks the database. */
  readonly live: boolean;
  /** Records a revocation this instance just committed, before its notice comes back. */
  remember(event: SessionRevoked): void;
  sessionRevoked(sessionId: string): boolean;
  userChanged(userId: string): boolean;
  subscribe(listener: SessionRevokedListener): () => void;
  stop(): Promise<void>;
}

const registry = new WeakMap<AppContext, Revocations>();

/** The app's revocation set, or undefined (a context without a listener: every token is checked in the database). */
export const revocationsOf = (ctx: AppContext) => registry.get(ctx);

/**
 * After committing a revocation: this instance refuses the token at once (the database's notice,
 * which reaches every instance, follows within milliseconds).
 */
export const noteRevoked = (ctx: AppContext, events: SessionRevoked[]) => {
  const revocations = registry.get(ctx);
  for (const event of events) revocations?.remember(event);
};

/**
 * Calls `listener` (on every instance) when a session is revoked or a user's sessions may have
 * ended (suspension, deletion, role change: no sessionId). Long-lived streams (SSE, WebSocket)
 * close the affected connections. A revocation may be heard twice (the instance that made it hears
 * it at once and again from the database): listeners must be idempotent. Returns the unsubscribe function.
 */
export function onSessionRevoked(ctx: AppContext, listener: SessionRevokedListener): () => void {
  const revocations = registry.get(ctx);
  if (!revocations) throw new Error('session revocations are not started for this app');
  return revocations.subscribe(listener);
}

export async function startRevocations(ctx: AppContext): Promise<Revocations> {
  const sessions = new Map<string, number>();
  const users = new Map<string, number>();
  const listeners = new Set<SessionRevokedListener>();
  let client: pg.Client | undefined;
  let live = false;
  let stopped = false;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const remember = (event: SessionRevoked) => {
    const until = Date.now() + KEEP_MS;
    if (event.sessionId) sessions.set(event.sessionId, until);
    else users.set(event.userId, until);
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        ctx.log.error({ err }, 'a session-revoked listener failed');
      }
    }
  };
  const fresh = (map: Map<string, number>, key: string) => {
    const until = map.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    map.delete(key);
    return false;
  };
  const prune = setInterval(() => {
    const now = Date.now();
    for (const map of [sessions, users]) for (const [key, until] of map) if (until <= now) map.delete(key);
  }, 60_000);
  prune.unref();

  const down = (err?: unknown) => {
    if (!live && !client) return;
    live = false;
    if (err && !stopped) ctx.log.warn({ err }, 'session revocation listener lost; checking sessions in the database until it is back');
    const old = client;
    client = undefined;
    old?.removeAllListeners('notification');
    old?.end().catch(() => {});
    if (!stopped && !reconnectTimer) reconnectTimer = setTimeout(connect, RECONNECT_MS);
  };

  async function connect() {
    reconnectTimer = undefined;
    if (stopped) return;
    const c = new pg.Client({ ...ctx.pool.options, application_name: 'cohort-revocations', keepAlive: true });
    c.on('error', down);
    c.on('end', () => client === c && down(new Error('connection ended')));
    c.on('notification', (message) => {
      if (message.channel !== REVOCATIONS_CHANNEL || !message.payload) return;
      try {
        const { s, u } = JSON.parse(message.payload) as { s?: string; u: string };
        remember({ userId: u, sessionId: s });
      } catch (err) {
        ctx.log.error({ err }, 'unreadable revocation notice');
      }
    });
    try {
      await c.connect();
      client = c;
      // Listen first, then read what was revoked before: nothing falls between the two. A user never
      // changed since created is not among them (else every new member would cost a check per request).
      await c.query(`LISTEN ${REVOCATIONS_CHANNEL}`);
      const { rows } = await c.query<{ s: string | null; u: string }>(
        `SELECT id::text AS s, user_id::text AS u FROM sessions WHERE revoked_at > now() - make_interval(secs => $1)
         UNION ALL SELECT NULL, id::text FROM users WHERE updated_at > now() - make_interval(secs => $1) AND updated_at > created_at`,
        [KEEP_MS / 1000],
      );
      for (const row of rows) remember({ userId: row.u, sessionId: row.s ?? undefined });
      if (client === c && !stopped) live = true;
    } catch (err) {
      if (client === c || !client) {
        client = c;
        down(err);
      }
    }
  }

  // A connection can die silently (a dropped route): a failed round trip within the heartbeat marks it down.
  const heartbeat = setInterval(() => {
    const c = client;
    if (!c || !live) return;
    const timeout = setTimeout(() => client === c && down(new Error('heartbeat timed out')), HEARTBEAT_MS);
    c.query('SELECT 1')
      .catch((err) => client === c && down(err))
      .finally(() => clearTimeout(timeout));
  }, HEARTBEAT_MS);
  heartbeat.unref();

  await connect();

  const revocations: Revocations = {
    get live() {
      return live;
    },
    remember,
    sessionRevoked: (sessionId) => fresh(sessions, sessionId),
    userChanged: (userId) => fresh(users, userId),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      stopped = true;
      live = false;
      clearInterval(prune);
      clearInterval(heartbeat);
      clearTimeout(reconnectTimer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
      registry.delete(ctx);
    },
  };
  registry.set(ctx, revocations);
  return revocations;
}
