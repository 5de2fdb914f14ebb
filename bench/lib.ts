/**
 * Shared machinery of `npm run bench`: settings, child processes (Cohort servers, floors, CLI runs),
 * database helpers, the autocannon wrapper, the Cohort-vs-floor comparison, reporting and the floor
 * server itself. A scenario (bench/<name>.bench.ts) exports a `Scenario`; see bench/run.ts.
 */
import autocannon, { type Request as LoadRequest } from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors as joseErrors, jwtVerify } from 'jose';
import pg from 'pg';

/** A response body as JSON when it is JSON, else its text. */
const jsonOrText = (text: string): any => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

// ---------------------------------------------------------------------------------------------
// Settings (environment knobs, documented in docs/benchmarks.md)

const int = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number (got ${raw})`);
  return value;
};

export const settings = {
  connections: int('BENCH_CONNECTIONS', 32),
  duration: int('BENCH_DURATION', 10),
  warmup: int('BENCH_WARMUP', 1),
  poolSize: int('BENCH_POOL_SIZE', 20),
  targets: (process.env.BENCH_TARGETS ?? 'postgres,embedded')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as TargetName[],
  pgUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  pgDatabase: process.env.BENCH_DATABASE ?? 'cohort_bench',
  profileRows: int('BENCH_PROFILES', 100_000),
  jobs: int('BENCH_JOBS', 5_000),
  verbose: process.env.BENCH_VERBOSE === '1',
  keep: process.env.BENCH_KEEP === '1',
};

// A fixed secret shared by Cohort and the floor, so the floor can verify Cohort's tokens.
export const JWT_SECRET = 'bench-only-secret-0123456789abcdefghijklmnopqrstuvwxyz';
export const ADMIN = { email: 'bench-admin@example.com', password: 'Bench-admin-password-42' };

// ---------------------------------------------------------------------------------------------
// Small utilities

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Deterministic PRNG (mulberry32): the same seed gives the same data set on every machine. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const api = {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)],
    /** Zipf-like skew (s ≈ 1): a few items are very common, most are rare, like real companies and skills. */
    skewed: <T>(items: readonly T[], s = 1.05) => items[zipfIndex(items.length, s, next())],
    chance: (p: number) => next() < p,
  };
  return api;
}

const zipfTables = new Map<string, number[]>();
function zipfIndex(n: number, s: number, u: number) {
  const key = `${n}:${s}`;
  let cdf = zipfTables.get(key);
  if (!cdf) {
    cdf = [];
    let sum = 0;
    for (let k = 1; k <= n; k++) cdf.push((sum += 1 / k ** s));
    cdf = cdf.map((v) => v / sum);
    zipfTables.set(key, cdf);
  }
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createNetServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

// ---------------------------------------------------------------------------------------------
// Child processes: every one is registered, and all are stopped when the bench ends or crashes.

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

/** Spawns `node --import tsx <script> …args` at the repository root, its output captured (and shown with BENCH_VERBOSE=1). */
export function spawnNode(script: string, args: string[], env: Record<string, string>, maxOutput = 6000): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
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
  /** Milliseconds from spawn to the first 200 on the health path. */
  startupMs: number;
  stop(): Promise<void>;
}

/** Spawns a server and waits until `healthPath` answers 200. */
export async function startServer(
  name: string,
  script: string,
  env: Record<string, string>,
  options: { port: number; healthPath?: string; timeoutMs?: number; dataDir?: string },
): Promise<Server> {
  const url = `http://127.0.0.1:${options.port}`;
  const started = performance.now();
  const run = spawnNode(script, [], env);
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
    if (ok) return { name, url, startupMs: performance.now() - started, stop };
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

export async function startCohort(
  name: string,
  database: { databaseUrl?: string; dataDir: string },
  extraEnv: Record<string, string> = {},
) {
  const port = await freePort();
  return startServer(
    name,
    'src/server.ts',
    { ...cohortEnv(database), PORT: String(port), ...extraEnv },
    {
      port,
      dataDir: database.databaseUrl ? undefined : database.dataDir,
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Databases

export const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

export async function adminQuery(url: string, text: string) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** Connection URL of the embedded PostgreSQL a running Cohort owns (port from postmaster.pid, password from DATA_DIR). */
export function embeddedDatabaseUrl(dataDir: string) {
  const port = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);
  const password = readFileSync(join(dataDir, 'pg-password'), 'utf8').trim();
  return `postgres://cohort:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
}

export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(base + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: jsonOrText(text), text };
}

export async function login(base: string, email: string, password: string) {
  const r = await api(base, 'POST', '/api/auth/login', { body: { email, password } });
  if (r.status !== 200) throw new Error(`login of ${email} failed: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body.access_token as string;
}

/** Runs `work(i)` for i in [0, n) with `concurrency` in flight; returns the elapsed milliseconds. */
export async function inParallel(n: number, concurrency: number, work: (i: number) => Promise<void>) {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------------
// Load (autocannon)

export interface LoadSpec {
  method?: 'GET' | 'POST';
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Requests that every connection cycles through (a fixed mix); overrides method/path/body. */
  requests?: LoadRequest[];
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  requests: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
}

export async function load(
  baseUrl: string,
  spec: LoadSpec,
  options: { connections?: number; duration?: number; warmup?: number } = {},
): Promise<LoadResult> {
  const connections = options.connections ?? settings.connections;
  const requests = spec.requests;
  // Every connection starts the mix at its own offset, so they do not all send the same request at once.
  let clientIndex = 0;
  const setupClient =
    requests && requests.length > 1
      ? (client: { setRequests(r: LoadRequest[]): void }) => {
          const offset = Math.floor((clientIndex++ * requests.length) / connections) % requests.length;
          client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
        }
      : undefined;
  const base = {
    // autocannon takes the path from the URL (a top-level `path` is ignored); mixes carry their own.
    url: requests ? baseUrl : baseUrl + (spec.path ?? '/'),
    connections,
    method: spec.method ?? 'GET',
    headers: spec.headers,
    body: spec.body,
    requests,
    setupClient,
    timeout: 30,
  };
  const warmup = options.warmup ?? settings.warmup;
  if (warmup > 0) await autocannon({ ...base, duration: warmup });
  const r = await autocannon({ ...base, duration: options.duration ?? settings.duration });
  // Requests cut off by the end of the run are still being served: let them finish before the next measurement.
  await sleep(r.latency.totalCount ? Math.min(5000, Math.max(250, r.latency.p99)) : 5000);
  const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]));
  const completed = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    rps: round(completed / r.duration, 0),
    p50: r.latency.p50,
    p99: r.latency.p99,
    mean: round(r.latency.mean, 2),
    requests: completed,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    statusCodes,
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting

export interface Goal {
  /** Cohort's requests/s divided by the floor's must be at least this. */
  minRatio?: number;
  /** Cohort's p99 in ms must be at most this. */
  maxP99?: number;
}

export interface ComparisonRow {
  scenario: string;
  endpoint: string;
  target: TargetName;
  cohort?: LoadResult;
  floor?: LoadResult;
  ratio?: number;
  goal?: Goal;
  verdict: string;
  notes: string[];
  /** What Cohort answered to each request of the mix before the load (status, and `count` for lists). */
  probe?: { path?: string; status: number; count?: number }[];
}

export interface Measurement {
  scenario: string;
  what: string;
  target?: TargetName;
  value: number | null;
  unit: string;
  goal?: string;
  verdict?: string;
  detail?: unknown;
}

export class BenchRun {
  rows: ComparisonRow[] = [];
  measurements: Measurement[] = [];
  notes: string[] = [];
  readonly startedAt = new Date();
  constructor(
    readonly tmpDir: string,
    readonly scenarios: string[],
  ) {}

  measure(m: Measurement) {
    this.measurements.push(m);
    const value = m.value === null ? 'n/a' : `${m.value} ${m.unit}`;
    log(`  ${m.what}${m.target ? ` [${m.target}]` : ''}: ${value}${m.verdict ? ` (${m.verdict})` : ''}`);
  }

  note(text: string) {
    this.notes.push(text);
    log(`  note: ${text}`);
  }
}

export const log = (line: string) => process.stderr.write(`${line}\n`);

const fmt = (n: number | undefined, digits = 0) => (n === undefined ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits }));

function verdictOf(row: Omit<ComparisonRow, 'verdict'>) {
  if (!row.cohort) return 'n/a';
  if (row.cohort.requests === 0) return 'no responses';
  const misses: string[] = [];
  const invalid = row.cohort.non2xx + row.cohort.errors > row.cohort.requests * 0.01;
  if (invalid) misses.push('errors');
  if (row.goal?.minRatio !== undefined && row.ratio !== undefined && row.ratio < row.goal.minRatio) misses.push('ratio');
  if (row.goal?.maxP99 !== undefined && row.cohort.p99 > row.goal.maxP99) misses.push('p99');
  if (!row.goal) return invalid ? 'errors' : '';
  return misses.length ? `miss (${misses.join(', ')})` : 'ok';
}

const goalText = (goal?: Goal) =>
  goal
    ? [goal.minRatio !== undefined ? `≥ ${goal.minRatio}×` : '', goal.maxP99 !== undefined ? `p99 ≤ ${goal.maxP99} ms` : '']
        .filter(Boolean)
        .join(', ')
    : '';

export function markdownReport(run: BenchRun) {
  const lines: string[] = [];
  lines.push(
    `Cohort bench, ${run.startedAt.toISOString()}: ${settings.connections} connections, ${settings.duration} s per measurement (+${settings.warmup} s warm-up), pool ${settings.poolSize}, node ${process.version}.`,
    '',
    '| scenario | endpoint | db | Cohort req/s | p50 ms | p99 ms | floor req/s | p50 ms | p99 ms | Cohort/floor | goal | verdict |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  );
  for (const r of run.rows) {
    lines.push(
      `| ${r.scenario} | ${r.endpoint} | ${r.target} | ${fmt(r.cohort?.rps)} | ${fmt(r.cohort?.p50, 1)} | ${fmt(r.cohort?.p99, 1)} | ${fmt(r.floor?.rps)} | ${fmt(r.floor?.p50, 1)} | ${fmt(r.floor?.p99, 1)} | ${r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}×`} | ${goalText(r.goal)} | ${r.verdict} |`,
    );
  }
  if (run.measurements.length) {
    lines.push('', '| scenario | measurement | db | value | goal | verdict |', '| --- | --- | --- | ---: | --- | --- |');
    for (const m of run.measurements) {
      lines.push(
        `| ${m.scenario} | ${m.what} | ${m.target ?? ''} | ${m.value === null ? 'n/a' : `${fmt(m.value, 1)} ${m.unit}`} | ${m.goal ?? ''} | ${m.verdict ?? ''} |`,
      );
    }
  }
  const rowNotes = run.rows.flatMap((r) => r.notes.map((n) => `${r.scenario} ${r.endpoint} [${r.target}]: ${n}`));
  const notes = [...rowNotes, ...run.notes];
  if (notes.length) lines.push('', 'Notes:', ...notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Targets: one Cohort and one floor on one database

export type TargetName = 'postgres' | 'embedded';

export interface Target {
  name: TargetName;
  cohort: Server;
  floor: Server;
  /** What a CLI run needs to reach the same database (DATABASE_URL or DATA_DIR). */
  database: { databaseUrl?: string; dataDir: string };
  /** Direct SQL on the target database (setup only: bench users, ids). */
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  adminToken: string;
  /** Stops Cohort and the floor, runs `between` (e.g. a CLI that needs DATA_DIR to itself), starts both again. */
  restart(between?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export interface Scenario {
  name: string;
  title: string;
  /** Routes of the floor server for this scenario (served by bench/floor.ts in its own process). */
  floorRoutes: FloorRoute[];
  /** Once per run, before any server starts (CPU-only measurements, data generation). */
  before?(run: BenchRun): Promise<void>;
  /** Once per target: prepare data, then compare Cohort and the floor endpoint by endpoint. */
  run(target: Target, run: BenchRun): Promise<void>;
}

/** Starts the floor for `scenarios` on `databaseUrl`. */
export async function startFloor(name: string, scenarios: string[], databaseUrl: string) {
  const port = await freePort();
  return startServer(
    name,
    'bench/floor.ts',
    {
      FLOOR_PORT: String(port),
      FLOOR_DATABASE_URL: databaseUrl,
      FLOOR_JWT_SECRET: JWT_SECRET,
      FLOOR_POOL_SIZE: String(settings.poolSize),
      FLOOR_SCENARIOS: scenarios.join(','),
    },
    { port, timeoutMs: 30_000 },
  );
}

export interface EndpointSpec {
  scenario: string;
  endpoint: string;
  load: LoadSpec;
  /** What the floor is sent; the same requests by default. */
  floorLoad?: LoadSpec;
  goal?: Goal;
  /**
   * Before loading, every request of the mix (up to `probe`, default 30) is sent once to both
   * servers; a non-2xx skips that side, and `same` may compare the two answers (e.g. `count`).
   */
  probe?: number;
  same?: (cohort: any, floor: any, request: LoadRequest) => string | null;
}

async function probe(base: string, spec: LoadSpec, limit: number) {
  const requests = spec.requests ?? [{ method: spec.method, path: spec.path, body: spec.body }];
  const answers: { request: LoadRequest; status: number; body: any; text: string }[] = [];
  for (const request of requests.slice(0, limit)) {
    const response = await fetch(base + (request.path ?? spec.path), {
      method: request.method ?? spec.method ?? 'GET',
      headers: { ...spec.headers, ...request.headers },
      body: request.body ?? spec.body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    answers.push({ request, status: response.status, body: jsonOrText(text), text });
  }
  return answers;
}

const describe = (a: { request: LoadRequest; status: number; text: string }) =>
  `${a.request.method ?? 'GET'} ${a.request.path} → ${a.status} ${a.text.slice(0, 160).replace(/\s+/g, ' ')}`;

/** Measures one endpoint on Cohort, then on the floor, on the same target, and records the row. */
export async function compare(run: BenchRun, target: Target, spec: EndpointSpec) {
  const notes: string[] = [];
  log(`- ${spec.scenario}: ${spec.endpoint} [${target.name}]`);
  const floorSpec = spec.floorLoad ?? spec.load;
  const limit = spec.probe ?? 30;
  const cohortProbe = await probe(target.cohort.url, spec.load, limit);
  const floorProbe = await probe(target.floor.url, floorSpec, limit);
  const cohortBad = cohortProbe.find((a) => a.status >= 300);
  const floorBad = floorProbe.find((a) => a.status >= 300);
  if (cohortBad) notes.push(`Cohort not measured: ${describe(cohortBad)}`);
  if (floorBad) notes.push(`floor not measured: ${describe(floorBad)}`);
  if (!cohortBad && !floorBad && spec.same) {
    const mismatches = cohortProbe
      .map((a, i) => ({ i, why: floorProbe[i] ? spec.same!(a.body, floorProbe[i].body, a.request) : null }))
      .filter((m) => m.why);
    if (mismatches.length) {
      notes.push(
        `floor and Cohort disagree on ${mismatches.length}/${cohortProbe.length} requests (floor SQL to re-check): ` +
          mismatches
            .slice(0, 3)
            .map((m) => `${cohortProbe[m.i].request.path}: ${m.why}`)
            .join('; '),
      );
    }
  }
  const cohort = cohortBad ? undefined : await load(target.cohort.url, spec.load);
  if (cohort)
    log(
      `    Cohort ${fmt(cohort.rps)} req/s, p50 ${cohort.p50} ms, p99 ${cohort.p99} ms${cohort.non2xx ? `, non-2xx ${cohort.non2xx}` : ''}`,
    );
  const floor = floorBad ? undefined : await load(target.floor.url, floorSpec);
  if (floor)
    log(`    floor  ${fmt(floor.rps)} req/s, p50 ${floor.p50} ms, p99 ${floor.p99} ms${floor.non2xx ? `, non-2xx ${floor.non2xx}` : ''}`);
  for (const [side, r] of [
    ['Cohort', cohort],
    ['floor', floor],
  ] as const) {
    if (r && r.requests === 0) notes.push(`${side}: no response completed within ${settings.duration} s`);
    if (r && (r.non2xx || r.errors))
      notes.push(`${side}: ${r.non2xx} non-2xx, ${r.errors} errors/timeouts of ${r.requests} (${JSON.stringify(r.statusCodes)})`);
  }
  const ratio = cohort && floor && floor.rps > 0 ? round(cohort.rps / floor.rps, 3) : undefined;
  const probed = cohortProbe.map((a) => ({
    path: a.request.path,
    status: a.status,
    ...(typeof a.body?.count === 'number' ? { count: a.body.count } : {}),
  }));
  const row = {
    scenario: spec.scenario,
    endpoint: spec.endpoint,
    target: target.name,
    cohort,
    floor,
    ratio,
    goal: spec.goal,
    notes,
    probe: probed,
  };
  run.rows.push({ ...row, verdict: verdictOf(row) });
  for (const n of notes) log(`    ${n}`);
}

// ---------------------------------------------------------------------------------------------
// The floor: plain node:http + pg doing the same SQL as Cohort, nothing else

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
  email: string;
  name: string;
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
  /** Cohort's `authenticate`: the same jose verification, then the same session query. */
  authenticate(request: FloorRequest): Promise<FloorActor>;
  /** Cohort's cursor format (base64url JSON + HMAC), so the floor pays the same small cost. */
  encodeCursor(key: unknown[]): string;
  decodeCursor(cursor: string | null): unknown[] | undefined;
}

export interface FloorRoute {
  method: 'GET' | 'POST';
  /** `/api/jobs/:id` style; static segments win over parameters. */
  path: string;
  handler(request: FloorRequest, ctx: FloorContext): Promise<{ status?: number; body: unknown }>;
}

/** The query `authenticate` in src/modules/auth/auth.sessions.ts runs on every authenticated request. */
export const SESSION_SQL = `SELECT u.id, u.email, u.name, u.role, u.is_verified, u.status, u.last_login_at, u.created_at, u.updated_at
           FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active'`;

function floorContext(pool: pg.Pool, jwtKey: Uint8Array): FloorContext {
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
      let claims: { sub?: unknown; sid?: unknown };
      try {
        ({ payload: claims } = await jwtVerify(token, await verifyKey, { algorithms: ['HS256'], issuer: 'cohort', audience: 'cohort-api' }));
      } catch (err) {
        throw new FloorError(401, err instanceof joseErrors.JWTExpired ? 'token_expired' : 'unauthenticated');
      }
      if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') throw new FloorError(401, 'unauthenticated');
      const { rows } = await pool.query({ name: 'auth-session', text: SESSION_SQL, values: [claims.sid, claims.sub] });
      if (!rows[0]) throw new FloorError(401, 'unauthenticated');
      return { ...rows[0], sessionId: claims.sid };
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
  const ctx = floorContext(pool, new TextEncoder().encode(options.jwtSecret));
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
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  };

  const server = createHttpServer(async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = new URL(req.url ?? '/', 'http://floor');
      const found = match(req.method ?? 'GET', url.pathname.replace(/\/$/, '') || '/');
      if (!found) return send(res, 404, { code: 'not_found' });
      let body: unknown;
      if (req.method === 'POST') {
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
    void pool.end().finally(() => process.exit(0));
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

/**
 * A verified account of `role` with a password, written straight into `users` (registering through the
 * API would need the e-mailed code), then signed in over HTTP. Returns its access token and id.
 */
export async function benchUser(target: Target, role: 'alumni' | 'recruiter' | 'student', password = 'Bench-user-password-42') {
  const email = `bench-${role}@example.com`;
  const { hashPassword } = await import('../src/modules/auth/auth.password.js');
  await target.query(
    `INSERT INTO users (email, name, role, password_hash, is_verified) VALUES ($1, $2, $3, $4, true)
     ON CONFLICT ((lower(email))) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role, is_verified = true, status = 'active'`,
    [email, `Bench ${role[0].toUpperCase()}${role.slice(1)}`, role, await hashPassword(password)],
  );
  const token = await login(target.cohort.url, email, password);
  const { rows } = await target.query<{ id: string }>('SELECT id FROM users WHERE lower(email) = $1', [email]);
  return { token, id: rows[0].id, email };
}
