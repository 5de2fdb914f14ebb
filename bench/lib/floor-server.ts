/** bench: The floor: plain node:http + pg doing the same SQL as Cohort, nothing else */
import { createHmac } from 'node:crypto';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { errors as joseErrors, jwtVerify } from 'jose';
import pg from 'pg';
import { hardeningHeaders } from '../../src/plugins/security-headers.js';

export class FloorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

export interface FloorActor {
  id: string;
  role: string;
  sessionId: string;
}

export interface FloorRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface FloorContext {
  pool: pg.Pool;
  jwtKey: Uint8Array;
  /**
   * Cohort's `authenticate` (src/modules/auth/auth.sessions.ts) at its least: the same jose
   * verification, then the revoked sessions and changed users heard from the database (LISTEN), and
   * a database check only for those, so revocation is as instant as Cohort's. No statement otherwise.
   */
  authenticate(request: FloorRequest): Promise<FloorActor>;
  /** `work` in one transaction on one pooled client: committed when it returns, rolled back when it throws. */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Cohort's cursor format (base64url JSON + HMAC), so the floor pays the same small cost. */
  encodeCursor(key: unknown[]): string;
  decodeCursor(cursor: string | null): unknown[] | undefined;
}

export interface FloorRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `/api/jobs/:id` style; static segments win over parameters. */
  path: string;
  handler(request: FloorRequest, ctx: FloorContext): Promise<{ status?: number; body: unknown }>;
}

/** The fallback statement of `authenticate`, for a user whose role or status changed lately. */
const SESSION_SQL = `SELECT u.role FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active'`;

/** The floor's revocation set: the same channel and window as src/modules/auth/auth.revocations.ts. */
async function listenForRevocations(databaseUrl: string) {
  const keepMs = (15 * 60 + 60) * 1000;
  const sessions = new Map<string, number>();
  const users = new Map<string, number>();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  client.on('notification', (message) => {
    const { s, u } = JSON.parse(message.payload ?? '{}') as { s?: string; u: string };
    if (s) sessions.set(s, Date.now() + keepMs);
    else users.set(u, Date.now() + keepMs);
  });
  await client.query('LISTEN cohort_auth_revocations');
  const fresh = (map: Map<string, number>, key: string) => (map.get(key) ?? 0) > Date.now();
  return { sessionRevoked: (id: string) => fresh(sessions, id), userChanged: (id: string) => fresh(users, id), close: () => client.end() };
}

function floorContext(pool: pg.Pool, jwtKey: Uint8Array, revocations: Awaited<ReturnType<typeof listenForRevocations>>): FloorContext {
  const cursorSecret = Buffer.from(jwtKey).toString('hex');
  // Imported once, as Cohort does (src/modules/auth/auth.tokens.ts).
  const verifyKey = crypto.subtle.importKey('raw', new Uint8Array(jwtKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const sign = (payload: string) => createHmac('sha256', cursorSecret).update(payload).digest('base64url').slice(0, 22);
  return {
    pool,
    jwtKey,
    async authenticate(request) {
      const header = request.headers.authorization;
      const token = header?.startsWith('Bearer ') ? header.slice(7) : null;
      if (!token) throw new FloorError(401, 'unauthenticated');
      let claims: { sub?: unknown; sid?: unknown; role?: unknown };
      try {
        ({ payload: claims } = await jwtVerify(token, await verifyKey, {
          algorithms: ['HS256'],
          issuer: 'cohort',
          audience: 'cohort-api',
        }));
      } catch (err) {
        throw new FloorError(401, err instanceof joseErrors.JWTExpired ? 'token_expired' : 'unauthenticated');
      }
      if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') throw new FloorError(401, 'unauthenticated');
      if (revocations.sessionRevoked(claims.sid)) throw new FloorError(401, 'unauthenticated');
      let role = claims.role as string;
      if (revocations.userChanged(claims.sub)) {
        const { rows } = await pool.query({ name: 'auth-session', text: SESSION_SQL, values: [claims.sid, claims.sub] });
        if (!rows[0]) throw new FloorError(401, 'unauthenticated');
        role = rows[0].role;
      }
      return { id: claims.sub, role, sessionId: claims.sid };
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await work(client);
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    encodeCursor(key) {
      const payload = Buffer.from(JSON.stringify(key)).toString('base64url');
      return `${payload}.${sign(payload)}`;
    },
    decodeCursor(cursor) {
      if (!cursor) return undefined;
      const [payload, mac] = cursor.split('.');
      if (!payload || mac !== sign(payload)) throw new FloorError(400, 'validation_failed');
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    },
  };
}

/** Serves `routes` with node:http on `port` over a pg Pool of `poolSize` (bench/floor.ts calls this in a child process). */
export async function serveFloor(
  routes: FloorRoute[],
  options: { port: number; databaseUrl: string; poolSize: number; jwtSecret: string },
) {
  pg.types.setTypeParser(20, (v) => Number(v)); // as src/db/client.ts
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize, idleTimeoutMillis: 30_000 });
  pool.on('error', () => {});
  const revocations = await listenForRevocations(options.databaseUrl);
  const ctx = floorContext(pool, new TextEncoder().encode(options.jwtSecret), revocations);
  const table = [{ method: 'GET', path: '/api/health', handler: async () => ({ body: { status: 'ok' } }) } as FloorRoute, ...routes].map(
    (route) => ({ route, segments: route.path.split('/').filter(Boolean) }),
  );
  // Static routes first, so /api/profiles/search is not taken for /api/profiles/:id.
  table.sort((a, b) => a.segments.filter((s) => s.startsWith(':')).length - b.segments.filter((s) => s.startsWith(':')).length);

  const match = (method: string, path: string) => {
    const parts = path.split('/').filter(Boolean);
    for (const { route, segments } of table) {
      if (route.method !== method || segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      if (segments.every((s, i) => (s.startsWith(':') ? ((params[s.slice(1)] = decodeURIComponent(parts[i])), true) : s === parts[i])))
        return { route, params };
    }
    return null;
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const json = JSON.stringify(body);
    // API.md: every response carries helmet's default headers; the floor honours the contract too.
    res.writeHead(status, {
      ...hardeningHeaders,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(json),
    });
    res.end(json);
  };

  const server = createHttpServer(async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = new URL(req.url ?? '/', 'http://floor');
      const found = match(req.method ?? 'GET', url.pathname.replace(/\/$/, '') || '/');
      if (!found) return send(res, 404, { code: 'not_found' });
      let body: unknown;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const raw = Buffer.concat(chunks).toString('utf8');
        body = raw ? JSON.parse(raw) : undefined;
      }
      const reply = await found.route.handler(
        { method: req.method ?? 'GET', path: url.pathname, params: found.params, query: url.searchParams, headers: req.headers, body },
        ctx,
      );
      send(res, reply.status ?? 200, reply.body);
    } catch (err) {
      if (err instanceof FloorError) return send(res, err.status, { code: err.code });
      send(res, 500, { code: 'internal', detail: (err as Error).message });
    }
  });
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const close = () => {
    server.close();
    server.closeAllConnections();
    void Promise.all([pool.end(), revocations.close()]).finally(() => process.exit(0));
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}
