import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect, inject } from 'vitest';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppDeps } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { connectDatabase, withDatabase, type Database } from '../src/db/client.js';
import type { Mailer, OutgoingMail } from '../src/lib/mail.js';
import { hashPassword } from '../src/modules/auth/auth.password.js';
import { users } from '../src/modules/auth/auth.tables.js';
import { login } from '../src/modules/auth/auth.service.js';
import type { Role } from '../src/lib/schemas.js';

export const TEST_PASSWORD = 'Correct-Horse-42-battery';

/** Set when the suite runs against a real Redis (CI's second pass): Redis-only tests run then. */
export const testRedisUrl = process.env.TEST_REDIS_URL;

/** Records every message a test app sends; waitFor polls because delivery happens after commit. */
export class Inbox implements Mailer {
  messages: OutgoingMail[] = [];
  failing = false;
  async send(mail: OutgoingMail) {
    if (this.failing) throw new Error('SMTP is down (test)');
    this.messages.push(mail);
  }
  close() {}
  async waitFor(to: string, match: (m: OutgoingMail) => boolean = () => true, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.messages.filter((m) => m.to === to.toLowerCase() && match(m)).at(-1);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
  }
  otpFor = async (to: string) => /code is (\d{6})/.exec((await this.waitFor(to, (m) => /code is \d{6}/.test(m.text))).text)![1];
}

export { withDatabase } from '../src/db/client.js';

/** A fresh database cloned from the migrated template; dropped by the returned function. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = inject('serverUrl');
  const template = inject('templateDb');
  const name = `${template}_c${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  // CREATE DATABASE … TEMPLATE fails while another session is copying the same template: retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      break;
    } catch (err) {
      if (attempt > 50 || !/being accessed by other users/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  await admin.end();
  return {
    url: withDatabase(serverUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  database: Database;
  databaseUrl: string;
  inbox: Inbox;
  dataDir: string;
  /** Creates an active, verified user of a role and signs them in. */
  user(role?: Role, overrides?: Partial<typeof users.$inferInsert>): Promise<TestUser>;
  /** Another app instance on the same database (and Redis prefix). */
  sibling(env?: Record<string, string>): Promise<FastifyInstance>;
  close(): Promise<void>;
}

export interface TestUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  password: string;
  token: string;
  refreshToken: string;
  /** app.inject with this user's bearer token. */
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
}

export function testConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    JWT_SECRET: 'test-secret-that-is-long-enough-0123456789',
    PUBLIC_URL: 'http://cohort.test',
    DB_POOL_SIZE: '8',
    // Tests register many accounts from one address; rate-limit tests lower these explicitly.
    RATE_LIMIT_GLOBAL_PER_MINUTE: '100000',
    RATE_LIMIT_LOGIN_IP_PER_MINUTE: '100000',
    RATE_LIMIT_REGISTER_IP_PER_HOUR: '100000',
    RATE_LIMIT_AUTH_IP_PER_MINUTE: '100000',
    ...(testRedisUrl ? { REDIS_URL: testRedisUrl } : {}),
    ...env,
  });
}

let counter = 0;
export const uniqueEmail = (tag = 'user') => `${tag}-${randomUUID().slice(0, 8)}-${++counter}@example.com`;

export async function createTestApp(env: Record<string, string> = {}, deps: Partial<AppDeps> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'cohort-app-'));
  const config = testConfig(dataDir, env);
  const database = connectDatabase(db.url, config.dbPoolSize);
  const inbox = new Inbox();
  const redisPrefix = `cohort-test:${randomUUID()}:`;
  const jwtKey = new TextEncoder().encode(config.jwtSecret!);
  const app = await buildApp(config, { database, jwtKey, mailer: inbox, redisPrefix, jobPollingSeconds: 0.5, ...deps });
  const siblings: { app: FastifyInstance; database: Database }[] = [];
  const passwordHash = hashPassword(TEST_PASSWORD);

  return {
    app,
    config,
    database,
    databaseUrl: db.url,
    inbox,
    dataDir,
    async user(role = 'alumni', overrides = {}) {
      const email = overrides.email ?? uniqueEmail(role);
      const [row] = await database.db
        .insert(users)
        .values({ email, name: `${role} ${email.slice(0, 12)}`, role, password_hash: await passwordHash, is_verified: true, ...overrides })
        .returning();
      const tokens = await login(app.ctx, { email, password: TEST_PASSWORD });
      return {
        id: row.id,
        email: row.email,
        name: row.name,
        role: row.role,
        password: TEST_PASSWORD,
        token: tokens.access_token,
        refreshToken: tokens.refresh_token,
        inject: (options) =>
          app.inject({ ...options, headers: { ...(options.headers ?? {}), authorization: `Bearer ${tokens.access_token}` } }),
      };
    },
    async sibling(extraEnv = {}) {
      const siblingDb = connectDatabase(db.url, 4);
      const siblingApp = await buildApp(testConfig(dataDir, { ...env, ...extraEnv }), {
        database: siblingDb,
        jwtKey,
        mailer: inbox,
        redisPrefix,
        jobPollingSeconds: 0.5,
        ...deps,
      });
      siblings.push({ app: siblingApp, database: siblingDb });
      return siblingApp;
    },
    async close() {
      for (const s of siblings) {
        await s.app.close();
        await s.database.close();
      }
      await app.close();
      await database.close();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** POST a JSON body (or a raw string) through app.inject. */
export const post = (app: FastifyInstance, url: string, payload?: object | string, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url,
    payload,
    headers: { ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
  });

/** Registers an account through the API and returns its e-mail, password and the mailed code. */
export async function registerThroughApi(t: TestApp, overrides: { email?: string; password?: string; role?: string; name?: string } = {}) {
  const email = overrides.email ?? uniqueEmail('reg');
  const password = overrides.password ?? TEST_PASSWORD;
  const res = await post(t.app, '/api/auth/register', {
    email,
    password,
    name: overrides.name ?? 'Reg Istrant',
    role: overrides.role ?? 'student',
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return { email, password, user: res.json().user as { id: string; email: string }, otp: await t.inbox.otpFor(email) };
}

/** Asserts the answer is RFC 9457 problem+json and returns its body. */
export const problemOf = (res: LightMyRequestResponse) => {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json() as {
    type: string;
    title: string;
    status: number;
    code: string;
    detail: string;
    errors?: { field: string; message: string }[];
  };
};

// The rest of the test kit, importable from here too: factories, upload fixtures, the multipart builder.
export * from './factories.js';
export * from './fixtures.js';
export * from './multipart.js';
