/** bench: Child processes: every one is registered, and all are stopped when the bench ends or crashes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN, JWT_SECRET, settings } from './settings.js';
import { ROOT, freePort, sleep } from './util.js';

const children = new Set<ChildProcess>();

process.on('exit', () => {
  // Last resort (crash, process.exit): SIGTERM makes Cohort stop its embedded PostgreSQL itself.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});

/** Keeps the last `max` characters (roughly: whole chunks) of a child's output. */
const keepTail = (max: number) => {
  const chunks: string[] = [];
  let length = 0;
  return {
    add(chunk: Buffer) {
      if (settings.verbose) process.stderr.write(chunk);
      const text = chunk.toString();
      chunks.push(text);
      length += text.length;
      while (length > max && chunks.length > 1) length -= chunks.shift()!.length;
    },
    text: () => chunks.join(''),
  };
};

export interface ChildRun {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Spawns `node --import tsx <script> …args` at the repository root (a `.mjs` script, such as
 * scripts/start.mjs, runs as plain node, as `npm start` runs it), its output captured (shown with BENCH_VERBOSE=1).
 */
export function spawnNode(
  script: string,
  args: string[],
  env: Record<string, string>,
  maxOutput = 6000,
  nodeFlags: string[] = [],
): ChildRun {
  const flags = script.endsWith('.mjs') ? ['--enable-source-maps'] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...flags, ...nodeFlags, script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const output = keepTail(maxOutput);
  child.stdout?.on('data', (c: Buffer) => output.add(c));
  child.stderr?.on('data', (c: Buffer) => output.add(c));
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  return { child, output: output.text, exited };
}

/** Runs a node script to completion; rejects with its output when it fails. */
export async function runNode(script: string, args: string[], env: Record<string, string>) {
  const started = performance.now();
  const run = spawnNode(script, args, env, 4 << 20);
  const code = await run.exited;
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited with ${code}:\n${run.output().slice(-2000)}`);
  return { ms, output: run.output() };
}

export interface Server {
  name: string;
  url: string;
  /** The server's process id (its memory is read from /proc by the realtime scenario). */
  pid: number;
  /** Milliseconds from spawn to the first 200 on the health path. */
  startupMs: number;
  stop(): Promise<void>;
}

/** Spawns a server and waits until `healthPath` answers 200. */
export async function startServer(
  name: string,
  script: string,
  env: Record<string, string>,
  options: { port: number; healthPath?: string; timeoutMs?: number; dataDir?: string; nodeFlags?: string[] },
): Promise<Server> {
  const url = `http://127.0.0.1:${options.port}`;
  const started = performance.now();
  const run = spawnNode(script, [], env, undefined, options.nodeFlags);
  let exitCode: number | null | undefined;
  void run.exited.then((code) => (exitCode = code));
  const stop = async () => {
    if (exitCode === undefined) {
      run.child.kill('SIGTERM');
      const done = await Promise.race([run.exited.then(() => true), sleep(25_000).then(() => false)]);
      if (!done) {
        run.child.kill('SIGKILL');
        await run.exited;
      }
    }
    if (options.dataDir) await reapPostmaster(options.dataDir);
  };
  const deadline = started + (options.timeoutMs ?? 90_000);
  for (;;) {
    if (exitCode !== undefined) {
      await stop();
      throw new Error(`${name} exited (code ${exitCode}) before answering:\n${run.output().slice(-3000)}`);
    }
    const ok = await fetch(url + (options.healthPath ?? '/api/health'), { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { name, url, pid: run.child.pid!, startupMs: performance.now() - started, stop };
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`${name} did not answer within ${options.timeoutMs ?? 90_000} ms:\n${run.output().slice(-3000)}`);
    }
    await sleep(20);
  }
}

/**
 * Safety net for the embedded database: if a Cohort died without stopping its PostgreSQL (SIGKILL),
 * fast-shut the postmaster of that DATA_DIR (only ours: the pid file names its directory).
 */
export async function reapPostmaster(dataDir: string) {
  const pgDir = join(dataDir, 'pg');
  let lines: string[];
  try {
    lines = readFileSync(join(pgDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return;
  }
  const pid = Number(lines[0]);
  if (!pid || lines[1]?.trim() !== pgDir) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 200 && alive(); i++) await sleep(50);
}

/** The base environment of a Cohort server or CLI run in the bench. */
export function cohortEnv(database: { databaseUrl?: string; dataDir: string }, extra: Record<string, string> = {}) {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: database.dataDir,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    JWT_SECRET,
    DB_POOL_SIZE: String(settings.poolSize),
    ...extra,
  };
}

/** Rate limits out of the way: the bench measures throughput from one IP, not the limiter's refusals. */
export const UNLIMITED = {
  RATE_LIMIT_GLOBAL_PER_MINUTE: '1000000000',
  RATE_LIMIT_LOGIN_IP_PER_MINUTE: '1000000000',
  RATE_LIMIT_LOGIN_FAILURES_PER_15_MIN: '1000000000',
  RATE_LIMIT_AUTH_IP_PER_MINUTE: '1000000000',
  RATE_LIMIT_REGISTER_IP_PER_HOUR: '1000000000',
};

/** What every bench Cohort runs with on top of cohortEnv: no rate limits, and the bench admin. */
export const BENCH_COHORT_ENV = { ...UNLIMITED, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };

export async function startCohort(
  name: string,
  database: { databaseUrl?: string; dataDir: string },
  extraEnv: Record<string, string> = {},
) {
  const port = await freePort();
  // As `npm start` runs it: scripts/start.mjs builds dist/ when a source changed, then runs dist/server.js.
  return startServer(
    name,
    'scripts/start.mjs',
    { ...cohortEnv(database), PORT: String(port), ...extraEnv },
    {
      port,
      dataDir: database.databaseUrl ? undefined : database.dataDir,
      nodeFlags: settings.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProf}`] : [],
    },
  );
}
