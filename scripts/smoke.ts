/**
 * Smoke test of a real start: `npm start` on a fresh DATA_DIR (embedded PostgreSQL), mail through a
 * local SMTP sink, then register → verify (code read from the sink) → login → /api/auth/me over HTTP.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../src/lib/net.js';

const messages: string[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onData(stream, _session, done) {
    let data = '';
    stream.on('data', (c) => (data += c));
    stream.on('end', () => {
      messages.push(data);
      done();
    });
  },
});
const smtpPort = await freePort();
await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', r));

const port = await freePort();
const dataDir = await mkdtemp(join(tmpdir(), 'cohort-smoke-'));
const base = `http://127.0.0.1:${port}`;
const server = spawn('npm', ['start'], {
  env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'inherit', 'inherit'],
  detached: true,
});

const step = (s: string) => console.log(`smoke: ${s}`);
const call = async (method: string, path: string, body?: unknown, token?: string) => {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = res.status === 204 ? null : await res.json();
  return { status: res.status, json };
};
const expectStatus = (got: number, want: number, what: string, body: unknown) => {
  if (got !== want) throw new Error(`${what}: expected ${want}, got ${got}: ${JSON.stringify(body)}`);
};

let exitCode = 1;
try {
  const started = Date.now();
  for (;;) {
    if (Date.now() - started > 120_000) throw new Error('server did not become healthy in 120 s');
    const ok = await fetch(`${base}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  step(`healthy after ${Date.now() - started} ms`);
  const email = `smoke-${Date.now()}@example.com`;
  const password = 'smoke-Test-password-1';
  const reg = await call('POST', '/api/auth/register', { email, password, name: 'Smoke Test', role: 'alumni' });
  expectStatus(reg.status, 201, 'register', reg.json);
  step('registered');
  let code: string | undefined;
  for (let i = 0; i < 100 && !code; i++) {
    code = messages.map((m) => /code is (\d{6})/.exec(m.replace(/=\r?\n/g, ''))?.[1]).find(Boolean);
    if (!code) await new Promise((r) => setTimeout(r, 100));
  }
  if (!code) throw new Error('no verification code arrived at the SMTP sink');
  step('code received by SMTP');
  const ver = await call('POST', '/api/auth/verify-email', { email, otp: code });
  expectStatus(ver.status, 200, 'verify-email', ver.json);
  const login = await call('POST', '/api/auth/login', { email, password });
  expectStatus(login.status, 200, 'login', login.json);
  const me = await call('GET', '/api/auth/me', undefined, (login.json as { access_token: string }).access_token);
  expectStatus(me.status, 200, 'me', me.json);
  if ((me.json as { user: { email: string } }).user.email !== email) throw new Error('me returned another user');
  step('register → verify → login → me: ok');
  exitCode = 0;
} catch (err) {
  console.error(`smoke: FAILED: ${(err as Error).message}`);
} finally {
  // npm start runs node in the same process group: signal the group, then wait for a clean exit.
  const exited = new Promise((r) => server.once('exit', r));
  process.kill(-server.pid!, 'SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
  smtp.close();
  // The embedded PostgreSQL may still be writing its last files as it stops: retry, and never let
  // cleaning a temp directory decide the smoke test's outcome.
  await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 }).catch((err: Error) =>
    console.error(`smoke: could not remove ${dataDir}: ${err.message}`),
  );
}
process.exit(exitCode);
