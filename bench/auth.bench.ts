/**
 * Issue 3 (foundation and authentication): GET /api/health, GET /api/auth/me, POST /api/auth/login
 * against the floor; the cost of one password hash; start-up of `npm start` on an existing DATA_DIR.
 */
import { verify } from '@node-rs/argon2';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { hashPassword } from '../src/modules/auth/auth.password.js';
import { meStatement } from '../src/modules/auth/auth.me.js';
import {
  ADMIN,
  compare,
  FloorError,
  freePort,
  log,
  median,
  round,
  serviceStatement,
  startServer,
  type FloorContext,
  type FloorRoute,
  type Scenario,
} from './lib.js';

// The columns drizzle selects for `db.select().from(users)` (getMe in auth.me.ts, login in auth.sessions.ts).
const USER_COLUMNS = `"id", "email", "name", "role", "password_hash", "is_verified", "status", "last_login_at", "created_at", "updated_at"`;

const publicUser = (u: Record<string, any>) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  is_verified: u.is_verified,
  status: u.status,
  last_login_at: u.last_login_at,
  created_at: u.created_at,
  updated_at: u.updated_at,
});

/**
 * GET /api/auth/me as auth.me.ts does it: the token verified against the in-memory revocations
 * (no statement), then meStatement's one statement (the user ⋈ their profile summary), taken from
 * the service's builder so the two cannot drift.
 */
const ME = serviceStatement(meStatement);
const USER_FIELDS = ['id', 'email', 'name', 'role', 'is_verified', 'status', 'last_login_at', 'created_at', 'updated_at'];
const SUMMARY_FIELDS = [
  'user_id',
  'headline',
  'photo_key',
  'current_company',
  'current_role',
  'batch_year',
  'profile_completion_percentage',
  'verification_status',
  'is_verified',
];

async function me(request: Parameters<FloorRoute['handler']>[0], ctx: FloorContext) {
  const actor = await ctx.authenticate(request);
  const { rows } = await ctx.pool.query({ name: 'auth-me', text: ME.text, values: ME.values({ userId: actor.id }), rowMode: 'array' });
  if (!rows[0]) throw new FloorError(401, 'unauthenticated');
  const pick = (fields: string[], offset: number) => Object.fromEntries(fields.map((f, i) => [f, rows[0][offset + i]]));
  const { user_id, photo_key: _p, ...summary } = pick(SUMMARY_FIELDS, USER_FIELDS.length);
  return { body: { user: pick(USER_FIELDS, 0), profile: user_id ? { ...summary, photo_url: null } : null } };
}

/** POST /api/auth/login as auth.sessions.ts `login` does it: lookup, argon2 verify, session + refresh token in one transaction, JWT. */
async function loginFloor(request: Parameters<FloorRoute['handler']>[0], ctx: FloorContext) {
  const email = String(request.body?.email ?? '')
    .trim()
    .toLowerCase();
  const password = String(request.body?.password ?? '');
  const { rows } = await ctx.pool.query(`select ${USER_COLUMNS} from "users" where lower("users"."email") = $1`, [email]);
  const user = rows[0];
  const ok = user?.password_hash ? await verify(user.password_hash, password).catch(() => false) : false;
  if (!user || !ok || user.status !== 'active' || !user.is_verified) throw new FloorError(401, 'invalid_credentials');
  const refresh_token = randomBytes(32).toString('base64url');
  const { session, fresh } = await ctx.transaction(async (client) => {
    const session = await client.query(
      `insert into "sessions" ("id", "user_id", "expires_at", "revoked_at", "revoked_reason", "created_at") values (default, $1, $2, default, default, default) returning "id"`,
      [user.id, new Date(Date.now() + 30 * 86_400_000)],
    );
    const fresh = await client.query(`update "users" set "last_login_at" = $1 where "users"."id" = $2 returning ${USER_COLUMNS}`, [
      new Date(),
      user.id,
    ]);
    await client.query(
      `insert into "refresh_tokens" ("token_hash", "session_id", "used_at", "created_at") values ($1, $2, default, default)`,
      [createHash('sha256').update(refresh_token).digest('hex'), session.rows[0].id],
    );
    return { session, fresh };
  });
  const access_token = await new SignJWT({ role: user.role, sid: session.rows[0].id })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('cohort')
    .setAudience('cohort-api')
    .setSubject(user.id)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('900s')
    .sign(ctx.jwtKey);
  return { body: { access_token, refresh_token, token_type: 'Bearer', expires_in: 900, user: publicUser(fresh.rows[0]) } };
}

const scenario: Scenario = {
  name: 'auth',
  title: 'Foundation and authentication (issue 3)',
  floorRoutes: [
    { method: 'GET', path: '/api/auth/me', handler: me },
    { method: 'POST', path: '/api/auth/login', handler: loginFloor },
  ],

  async before(run) {
    // A quiet moment (no server running yet): the cost of one argon2id hash with Cohort's parameters.
    await hashPassword('warm-up-password-1');
    await hashPassword('warm-up-password-2');
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await hashPassword(`bench-password-${i}`);
      samples.push(performance.now() - started);
    }
    const ms = round(median(samples), 1);
    run.measure({
      scenario: 'auth',
      what: 'password hash (argon2id, median of 20 hashPassword calls)',
      value: ms,
      unit: 'ms',
      goal: '20–100 ms',
      verdict: ms >= 20 && ms <= 100 ? 'ok' : 'miss',
      detail: { samples_ms: samples.map((s) => round(s, 1)) },
    });
  },

  async run(target, run) {
    if (target.name === 'embedded') {
      // `npm start` on an existing DATA_DIR (no bench-only variables), twice; the second is reported.
      await target.restart(async () => {
        const times: number[] = [];
        for (let i = 0; i < 2; i++) {
          const port = await freePort();
          const server = await startServer(
            'cohort (npm start)',
            'scripts/start.mjs',
            { LOG_LEVEL: 'warn', DATA_DIR: target.database.dataDir, PORT: String(port) },
            { port, dataDir: target.database.dataDir },
          );
          times.push(round(server.startupMs, 0));
          await server.stop();
        }
        log(`  start-up runs: ${times.join(' ms, ')} ms`);
        run.measure({
          scenario: 'auth',
          what: 'start-up of npm start on an existing DATA_DIR (spawn → /api/health 200, 2nd run)',
          target: target.name,
          value: times[1],
          unit: 'ms',
          goal: '< 3000 ms',
          verdict: times[1] < 3000 ? 'ok' : 'miss',
          detail: { runs_ms: times },
        });
      });
    }

    const auth = { authorization: `Bearer ${target.adminToken}` };
    await compare(run, target, { scenario: 'auth', endpoint: 'GET /api/health', load: { path: '/api/health' } });
    await compare(run, target, {
      scenario: 'auth',
      endpoint: 'GET /api/auth/me',
      load: { path: '/api/auth/me', headers: auth },
      goal: { minRatio: 0.85, maxP99: 10, maxCpuRatio: 1.5 },
      same: (c, f) => (c?.user?.id === f?.user?.id ? null : `user ${c?.user?.id} vs ${f?.user?.id}`),
    });
    await compare(run, target, {
      scenario: 'auth',
      endpoint: 'POST /api/auth/login',
      load: {
        method: 'POST',
        path: '/api/auth/login',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
      },
    });
  },
};

export default scenario;
