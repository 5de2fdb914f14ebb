import websocket from '@fastify/websocket';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type pg from 'pg';
import type { AppContext } from '../lib/context.js';
import { AppError } from '../lib/errors.js';
import type { Connection, RealtimeEvent } from '../lib/realtime.js';
import { DECIMAL_INTEGER, problems } from '../lib/schemas.js';
import { onSessionRevoked } from '../modules/auth/auth.service.js';
import { notificationsSince } from '../modules/notifications/notifications.service.js';
import { StreamQuerySchema } from '../modules/notifications/notifications.schemas.js';
import { actorOf } from './auth.js';

export interface RealtimeOptions {
  ctx: AppContext;
  /** SSE comment / WebSocket ping every so often, so proxies keep the connection and dead peers show. */
  heartbeatMs?: number;
  /**
   * How often open streams' sessions are polled, as a fallback for what no revocation notice
   * announces (a session's expiry); logout, reset, suspension close streams at once without it.
   */
  sessionCheckMs?: number;
}

/**
 * Which of these sessions may no longer stream (revoked, expired, user suspended or deleted):
 * ONE statement for all the connections asked about, however many there are.
 */
export async function endedSessions(pool: pg.Pool, sessionIds: string[]): Promise<Set<string>> {
  if (!sessionIds.length) return new Set();
  const { rows } = await pool.query<{ id: string }>({
    name: 'realtime-live-sessions',
    text: `SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.id = ANY($1::uuid[]) AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active'`,
    values: [sessionIds],
  });
  const live = new Set(rows.map((r) => r.id));
  return new Set(sessionIds.filter((id) => !live.has(id)));
}

/**
 * An event's wire text, made once per event however many of the user's connections it goes to (a
 * user has a tab or two per device; a broadcast reaches every connection of every recipient).
 */
const memo = (make: (e: RealtimeEvent) => string) => {
  const made = new WeakMap<RealtimeEvent, string>();
  return (e: RealtimeEvent) => {
    let text = made.get(e);
    if (text === undefined) made.set(e, (text = make(e)));
    return text;
  };
};
const sseFrame = memo((e) => `${e.id ? `id: ${e.id}\n` : ''}data: ${JSON.stringify({ type: e.type, data: e.data })}\n\n`);
const wsMessage = memo((e) => JSON.stringify({ type: e.type, id: e.id, data: e.data }));

/**
 * Real time (API.md): SSE at GET /api/notifications/stream and WebSocket at GET /api/ws, both
 * authenticated by header or `?access_token=` (the auth plugin reads either). Events come from
 * ctx.realtime (in-process, or Redis pub/sub across instances).
 */
const realtimePlugin: FastifyPluginAsyncTypebox<RealtimeOptions> = async (app, opts) => {
  const { ctx } = opts;
  const heartbeatMs = opts.heartbeatMs ?? 25_000;
  const sessionCheckMs = opts.sessionCheckMs ?? 60_000;
  await app.register(websocket, { options: { maxPayload: 4096 } });

  /**
   * Attaches a connection, replays what it missed (SSE id > afterSeq), then goes live. Live events
   * that arrive during the replay are held and sent after it, minus those the replay already sent.
   */
  async function open(conn: Omit<Connection, 'send'>, write: (e: RealtimeEvent) => void, afterSeq: number | null) {
    let held: RealtimeEvent[] | null = afterSeq === null ? null : [];
    const detach = ctx.realtime.attach({ ...conn, send: (e) => (held ? held.push(e) : write(e)) });
    if (afterSeq !== null) {
      try {
        const missed = await notificationsSince(ctx, conn.userId, afterSeq);
        for (const e of missed) write(e);
        const last = Number(missed.at(-1)?.id ?? afterSeq);
        for (const e of held!) if (!e.id || Number(e.id) > last) write(e);
        held = null;
      } catch (err) {
        // The client reconnects (SSE retry) and asks again; better than a live stream with a gap.
        ctx.log.warn({ err }, 'real-time replay failed');
        detach();
        conn.close('replay failed');
      }
    }
    return detach;
  }

  app.get('/api/notifications/stream', {
    config: { compress: false },
    schema: {
      tags: ['notifications'],
      summary: 'Server-Sent Events: the caller’s new notifications as they happen (Last-Event-ID replays)',
      querystring: StreamQuerySchema,
      response: {
        // Hijacked reply: never serialized, declared so clients see the stream's media type.
        200: {
          description: 'An event stream: frames `id:`, `event:` and `data:` (JSON `{type, data}`); `: ping` heartbeats',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        ...problems(400, 401),
      },
    },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const header = request.headers['last-event-id'];
      // The header is held to the query parameter's rule: a safe, plainly written integer (else ignored).
      const fromHeader = typeof header === 'string' && DECIMAL_INTEGER.test(header) ? Number(header) : undefined;
      const lastId =
        fromHeader !== undefined && Number.isSafeInteger(fromHeader) && fromHeader >= 0 ? fromHeader : request.query.last_event_id;
      reply.hijack();
      const res = reply.raw;
      // Hijacked: no onSend hooks (so no compression); carry over headers set so far (CORS, hardening).
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 3000\n\n');
      const write = (e: RealtimeEvent) => void res.write(sseFrame(e));
      let closed = false;
      const close = (reason: string) => {
        if (closed) return;
        closed = true;
        res.end(sseFrame({ type: 'stream.closed', data: { reason } }));
      };
      const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
      const detach = await open({ userId: actor.id, sessionId: actor.sessionId, close }, write, lastId ?? null);
      request.raw.once('close', () => {
        closed = true;
        clearInterval(heartbeat);
        detach();
      });
    },
  });

  app.route({
    method: 'GET',
    url: '/api/ws',
    schema: {
      tags: ['notifications'],
      summary: 'WebSocket: the same events as the stream; send {"type":"ping"} for a pong',
      description: 'Open it with a WebSocket upgrade (101 Switching Protocols). A plain HTTP GET is 426.',
      querystring: StreamQuerySchema,
      response: { ...problems(401, 426) },
    },
    // A plain GET (no upgrade) reaches this handler; declaring it (rather than `websocket: true`,
    // which @fastify/websocket hides) keeps the route in the OpenAPI document.
    handler: async () => {
      throw new AppError(426, 'upgrade_required', 'Open /api/ws with a WebSocket upgrade (or use /api/notifications/stream)');
    },
    wsHandler: async (socket, request) => {
      const actor = actorOf(request);
      const write = (e: RealtimeEvent) => {
        if (socket.readyState === socket.OPEN) socket.send(wsMessage(e));
      };
      const close = (reason: string) => {
        write({ type: 'stream.closed', data: { reason } });
        socket.close(4001, reason.slice(0, 100));
      };
      let alive = true;
      socket.on('pong', () => (alive = true));
      const heartbeat = setInterval(() => {
        if (!alive) return socket.terminate();
        alive = false;
        socket.ping();
      }, heartbeatMs);
      socket.on('message', (raw) => {
        try {
          if ((JSON.parse(String(raw)) as { type?: string }).type === 'ping') write({ type: 'pong', data: {} });
        } catch {
          /* not JSON: ignored */
        }
      });
      const detachP = open({ userId: actor.id, sessionId: actor.sessionId, close }, write, request.query.last_event_id ?? null);
      socket.once('close', () => {
        clearInterval(heartbeat);
        void detachP.then((detach) => detach());
      });
    },
  });

  // Sessions that end close their streams at once: the revocation notices of the auth module
  // (docs/decisions/040) reach every instance at commit (logout, password reset, token reuse: the
  // session; suspension, deletion, role change: the user, whose sessions are then checked in ONE
  // statement per burst of notices, since a role change ends nothing).
  let usersToCheck = new Set<string>();
  const checkUsers = async () => {
    const userIds = usersToCheck;
    usersToCheck = new Set();
    const conns = [...userIds].flatMap((u) => ctx.realtime.connectionsOf(u));
    await closeEnded(conns);
  };
  const stopListening = onSessionRevoked(ctx, ({ userId, sessionId }) => {
    if (sessionId) {
      for (const c of ctx.realtime.connectionsOf(userId)) if (c.sessionId === sessionId) c.close('session ended');
      return;
    }
    if (!ctx.realtime.connectionsOf(userId).length) return;
    if (!usersToCheck.size) setImmediate(() => void checkUsers());
    usersToCheck.add(userId);
  });
  async function closeEnded(conns: Connection[]) {
    if (!conns.length) return;
    try {
      const ended = await endedSessions(ctx.pool, [...new Set(conns.map((c) => c.sessionId))]);
      for (const c of conns) if (ended.has(c.sessionId)) c.close('session ended');
    } catch (err) {
      ctx.log.warn({ err }, 'real-time session check failed');
    }
  }

  // Fallback: no notice announces a session reaching its expiry (30 days after sign-in), so a slow
  // poll checks every open stream's session (one statement per instance per tick).
  let checking = false;
  const sessionCheck = setInterval(async () => {
    if (checking) return;
    checking = true;
    await closeEnded(ctx.realtime.connections()).finally(() => (checking = false));
  }, sessionCheckMs);
  sessionCheck.unref();
  app.addHook('onClose', async () => {
    stopListening();
    clearInterval(sessionCheck);
  });
  // Open streams would hold app.close() forever: end them as shutdown begins.
  app.addHook('preClose', async () => {
    for (const c of ctx.realtime.connections()) c.close('server closing');
  });
};

export default realtimePlugin;
