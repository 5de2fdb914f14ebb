import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobBody } from './factories.js';
import { createTestApp, problemOf, type TestApp, type TestUser } from './helpers.js';

/**
 * A database outage never ends the process (issue 9, bug 8). PostgreSQL restarting terminates every
 * backend with 57P01; here pg_terminate_backend does the same to this file's own database only (the
 * machine's server is shared), on the embedded server and on TEST_DATABASE_URL alike.
 */
let t: TestApp;
let recruiter: TestUser;
let admin: pg.Client;

beforeAll(async () => {
  t = await createTestApp();
  recruiter = await t.user('recruiter');
  admin = new pg.Client({ connectionString: t.databaseUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await t?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Terminates every backend of this test database except our admin connection; returns how many. */
async function terminateBackends(where = 'true') {
  const { rows } = await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND ${where}`,
  );
  return rows.length;
}

/** Waits until some backend of this database waits on a lock (the request is mid-statement). */
async function waitForLockedBackend() {
  for (let i = 0; i < 400; i++) {
    const { rows } = await admin.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
    );
    if (rows.length) return;
    await sleep(25);
  }
  throw new Error('no request ever waited on the lock');
}

/** Holds an exclusive lock on jobs so a request touching it blocks mid-statement, runs `during`, then lets go. */
async function withJobsLocked<T>(during: () => Promise<T>) {
  await admin.query('BEGIN');
  await admin.query('LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE');
  try {
    return await during();
  } finally {
    await admin.query('ROLLBACK');
  }
}

async function expectRecovered() {
  // The pool drops dead clients when they fail or report their end; a request that picked one up just
  // before it noticed still answers 503. Within moments the requests work again by themselves.
  for (let i = 0; i < 100; i++) {
    if ((await recruiter.inject({ method: 'GET', url: '/api/jobs?limit=1' })).statusCode === 200) break;
    await sleep(50);
  }
  for (let i = 0; i < 3; i++) {
    const res = await recruiter.inject({ method: 'GET', url: '/api/jobs?limit=1' });
    expect(res.statusCode, res.body).toBe(200);
  }
  expect((await t.app.inject({ method: 'GET', url: '/api/health/db' })).statusCode).toBe(200);
}

describe('when PostgreSQL terminates the backends (57P01)', () => {
  it('when it happens in the middle of a transaction, then the write answers 503 unavailable and the next requests work', async () => {
    const answer = await withJobsLocked(async () => {
      const pending = recruiter.inject({ method: 'POST', url: '/api/jobs/create', payload: jobBody() });
      await waitForLockedBackend();
      expect(await terminateBackends()).toBeGreaterThan(0);
      return pending;
    });
    expect(answer.statusCode, answer.body).toBe(503);
    expect(problemOf(answer)).toMatchObject({ status: 503, code: 'unavailable' });
    expect(answer.headers['retry-after']).toBeDefined();
    await expectRecovered();
  });

  it('when it happens in the middle of a read, then the read answers 503 unavailable and the next requests work', async () => {
    const answer = await withJobsLocked(async () => {
      const pending = recruiter.inject({ method: 'GET', url: '/api/jobs?limit=5' });
      await waitForLockedBackend();
      await terminateBackends();
      return pending;
    });
    expect(answer.statusCode, answer.body).toBe(503);
    expect(problemOf(answer).code).toBe('unavailable');
    await expectRecovered();
  });

  it('when a transaction is idle between two statements, then its client losing the connection does not crash the process', async () => {
    // The reported crash: the client checked out by a transaction emitted 'error' with no listener.
    const result = await t.app.ctx.db
      .transaction(async (tx) => {
        await tx.execute('SELECT 1');
        await terminateBackends(`state = 'idle in transaction'`);
        await sleep(200); // the 'error' event arrives while no statement runs
        await tx.execute('SELECT 1');
      })
      .then(
        () => 'committed',
        (err: Error) => err,
      );
    expect(result).toBeInstanceOf(Error);
    await expectRecovered();
  });

  it('when idle pooled connections are all terminated, then nothing crashes and the next request succeeds', async () => {
    await Promise.all([1, 2, 3].map(() => recruiter.inject({ method: 'GET', url: '/api/jobs?limit=1' })));
    await terminateBackends();
    await sleep(200);
    await expectRecovered();
  });
});

describe('while the database refuses connections', () => {
  it('when a request needs the database, then it answers 503 unavailable, /api/health stays 200 and /api/health/db is 503, until it is back', async () => {
    const database = (await admin.query<{ name: string }>('SELECT current_database() AS name')).rows[0].name;
    // A database cannot be closed from a session inside it: the server's maintenance connection does it.
    const server = new pg.Client({ connectionString: inject('serverUrl') });
    await server.connect();
    await server.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS false`);
    try {
      await terminateBackends();
      await sleep(100);
      const read = await recruiter.inject({ method: 'GET', url: '/api/jobs?limit=1' });
      expect(read.statusCode, read.body).toBe(503);
      expect(problemOf(read).code).toBe('unavailable');
      const write = await recruiter.inject({ method: 'POST', url: '/api/jobs/create', payload: jobBody() });
      expect(write.statusCode, write.body).toBe(503);
      expect((await t.app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
      const ready = await t.app.inject({ method: 'GET', url: '/api/health/db' });
      expect(ready.statusCode).toBe(503);
      expect(problemOf(ready).code).toBe('unavailable');
    } finally {
      await server.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS true`);
      await server.end();
    }
    await expectRecovered();
  });
});
