import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, post, problemOf, TEST_PASSWORD, uniqueEmail, type TestApp } from './helpers.js';

/** Issue 9: what a failing statement logs, over-long paths, requests during shutdown, slow and idle sockets. */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a failing statement in the log', () => {
  let t: TestApp;
  const lines: string[] = [];
  beforeAll(async () => {
    t = await createTestApp({ LOG_LEVEL: 'info' }, { logStream: { write: (line: string) => void lines.push(line) } });
  });
  afterAll(() => t?.close());

  it('when an INSERT fails, then the log has the statement and the SQLSTATE but no parameter value (hash, e-mail, name)', async () => {
    const admin = new pg.Client({ connectionString: t.databaseUrl });
    await admin.connect();
    await admin.query(
      `CREATE FUNCTION refuse_users() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused (test)'; END $$`,
    );
    await admin.query(`CREATE TRIGGER refuse_users BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse_users()`);
    await admin.end();

    const email = uniqueEmail('leak');
    const res = await post(t.app, '/api/auth/register', { email, password: TEST_PASSWORD, name: 'Secret Person Name', role: 'student' });
    expect(res.statusCode).toBe(500);
    expect(problemOf(res).code).toBe('internal');

    const log = lines.join('');
    const failure = lines.map((l) => JSON.parse(l)).find((l) => l.err?.code === 'P0001');
    expect(failure, log).toBeDefined();
    expect(failure.level).toBe(50);
    expect(failure.err.statement).toMatch(/insert into "users"/i);
    for (const secret of ['$argon2', email, TEST_PASSWORD, 'Secret Person Name', 'params']) expect(log).not.toContain(secret);
  });
});

describe('the HTTP edge', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_IDLE_TIMEOUT_MS: '1500', HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterAll(() => t?.close());

  /** Resolves when the server closes the socket (with whatever it sent first). */
  const closed = (socket: Socket) =>
    new Promise<string>((resolve) => {
      let received = '';
      socket.on('data', (d) => (received += d.toString()));
      socket.on('error', () => {});
      socket.on('close', () => resolve(received));
    });
  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
      socket.on('error', reject);
    });

  it('when a path parameter is longer than the router allows, then it answers 400 problem+json naming the path', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/jobs/${'a'.repeat(500)}` });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'path' }] });
  });

  it('when a socket stays silent, then the server closes it', async () => {
    const socket = await open();
    await closed(socket); // the test's own timeout is the bound: an idle socket that stays open fails it
  });

  it('when a client sends its headers a byte at a time (slowloris), then the server closes the socket', async () => {
    const socket = await open();
    const done = closed(socket);
    let stop = false;
    void done.then(() => (stop = true));
    const request = 'GET /api/health HTTP/1.1\r\nHost: cohort.test\r\nX-Slow: ' + 'a'.repeat(10_000);
    for (const ch of request) {
      if (stop) break;
      socket.write(ch);
      await sleep(100); // more often than the idle timeout, so only the headers timeout can end it
    }
    const answer = await done;
    expect(stop).toBe(true);
    if (answer) expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('when a keep-alive connection is idle after a response, then the server closes it', async () => {
    const socket = await open();
    const done = closed(socket);
    socket.write('GET /api/health HTTP/1.1\r\nHost: cohort.test\r\nConnection: keep-alive\r\n\r\n');
    expect(await done).toMatch(/^HTTP\/1\.1 200/);
  });
});

describe('requests during shutdown', () => {
  it('when a request arrives while the server drains, then it answers 503 unavailable as problem+json', async () => {
    const t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => (received += d.toString()));
    await new Promise((r) => socket.once('connect', r));
    // A request in flight (its body still coming) keeps the connection busy while close() starts.
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'not-the-password-1' });
    socket.write(
      `POST /api/auth/login HTTP/1.1\r\nHost: cohort.test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    await sleep(100);
    const closing = t.app.close();
    await sleep(100);
    // The rest of the body, then a second request on the same connection: it arrives during the drain.
    socket.write(`${body}GET /api/health HTTP/1.1\r\nHost: cohort.test\r\n\r\n`);
    await new Promise((r) => socket.once('close', r));
    await closing;
    await t.close().catch(() => {});
    const responses = received.split(/(?=HTTP\/1\.1 )/);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 401/);
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503/);
    expect(responses[1]).toMatch(/content-type: application\/problem\+json/i);
    expect(responses[1]).toContain('"code":"unavailable"');
  });
});
