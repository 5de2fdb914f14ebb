import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/lib/net.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The real server process on an embedded PostgreSQL: killed with SIGKILL, started again on the
 * same DATA_DIR, guarded against a second instance, and shut down cleanly with SIGTERM.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN_EMAIL = 'root@crash.test';
const ADMIN_PASSWORD = 'Crash-test-admin-42';
const USER_EMAIL = 'survivor@crash.test';
const USER_PASSWORD = 'Survives-the-crash-7';

interface Server {
  child: ChildProcess;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const isAlive = async (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its new parent) is not running.
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return !/^\d+ \(.*\) Z/.test(stat);
};

let dataDir: string;
let port: number;
const started: Server[] = [];

function startServer(): Server {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env))
    if (/^(DATABASE_URL|REDIS_URL|SMTP_URL|JWT_SECRET|TEST_|RATE_LIMIT_|VITEST)/.test(key)) delete env[key];
  Object.assign(env, {
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
  });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const server = { child, stderr, exited };
  started.push(server);
  return server;
}

async function waitForHealth(server: Server, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`server exited early: ${server.stderr.join('')}`);
    const ok = await fetch(`http://127.0.0.1:${port}/api/health/db`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server not healthy: ${server.stderr.join('')}`);
}

const api = (path: string, body: object) =>
  fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const postmasterPid = async () => Number((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cohort-crash-'));
  port = await freePort();
});

afterAll(async () => {
  for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  // Whatever happened above, leave no postgres behind.
  const pid = await postmasterPid().catch(() => 0);
  if (pid && (await isAlive(pid)) && (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('postgres'))
    process.kill(pid, 'SIGINT');
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('the server process', () => {
  let first: Server;
  let orphan = 0;

  it('when it starts on a fresh DATA_DIR, then it serves and the ADMIN_EMAIL admin can sign in', async () => {
    first = startServer();
    await waitForHealth(first);
    expect((await api('/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).status).toBe(200);
    const reg = await api('/api/auth/register', { email: USER_EMAIL, password: USER_PASSWORD, name: 'Sur Vivor', role: 'alumni' });
    expect(reg.status).toBe(201);
    expect((await stat(join(dataDir, 'jwt-secret'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'pg-password'))).mode & 0o777).toBe(0o600);
  }, 60_000);

  it('when it is killed with SIGKILL and started again on the same DATA_DIR, then it comes up with the data intact', async () => {
    orphan = await postmasterPid();
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    // Its postmaster outlived it: this is the orphan the next start has to deal with.
    expect(await isAlive(orphan)).toBe(true);

    const second = startServer();
    await waitForHealth(second);
    expect(await isAlive(orphan)).toBe(false);
    expect(await postmasterPid()).not.toBe(orphan);
    expect((await api('/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).status).toBe(200);
    const again = await api('/api/auth/register', {
      email: USER_EMAIL.toUpperCase(),
      password: USER_PASSWORD,
      name: 'Sur Vivor',
      role: 'alumni',
    });
    expect(again.status).toBe(409);
    expect((await again.json()).code).toBe('email_taken');
    first = second;
  }, 90_000);

  it('when a second server starts on a DATA_DIR in use, then it exits non-zero with one line naming DATA_DIR', async () => {
    const intruder = startServer();
    const { code } = await intruder.exited;
    expect(code).not.toBe(0);
    const lines = intruder.stderr.join('').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/DATA_DIR/);
    // The running one is unharmed.
    expect((await fetch(`http://127.0.0.1:${port}/api/health/db`)).status).toBe(200);
  }, 60_000);

  it('when it receives SIGTERM, then it exits 0 and its embedded PostgreSQL is stopped', async () => {
    const pid = await postmasterPid();
    expect(await isAlive(pid)).toBe(true);
    first.child.kill('SIGTERM');
    const { code } = await first.exited;
    expect(code).toBe(0);
    for (let i = 0; i < 100 && (await isAlive(pid)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await isAlive(pid)).toBe(false);
    await expect(stat(join(dataDir, 'cohort.pid'))).rejects.toThrow();
  }, 60_000);
});
