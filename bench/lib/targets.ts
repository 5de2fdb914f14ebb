/** bench: Targets: one Cohort and one floor on one database */
import { type Request as LoadRequest } from 'autocannon';
import pg from 'pg';
import { JWT_SECRET, settings } from './settings.js';
import { freePort, round } from './util.js';
import { Server, startServer } from './processes.js';
import { jsonOrText } from './http.js';
import { CpuReading, LoadResult, LoadSpec, load, usPerRequest } from './load.js';
import { clusterCpu, postmasterOf, processCpu } from './cpu.js';
import { BenchRun, fmt, Goal, log, verdictOf } from './report.js';
import { FloorRoute } from './floor-server.js';

export type TargetName = 'postgres' | 'embedded';

export interface Target {
  name: TargetName;
  cohort: Server;
  floor: Server;
  /** What a CLI run needs to reach the same database (DATABASE_URL or DATA_DIR). */
  database: { databaseUrl?: string; dataDir: string };
  /** A connection URL of the target database, for a process of a scenario's own (the embedded one's port can change on restart). */
  directUrl(): string;
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
  /**
   * Measure Cohort, floor, floor, Cohort, each for half of BENCH_DURATION, and report each side's
   * mean (p99: the worse half), so a drift in a shared machine's load does not favour one side.
   */
  abba?: boolean;
  /**
   * Seconds of warm-up load before each side's first measurement (BENCH_WARMUP by default): an
   * endpoint whose code runs for the first time needs thousands of requests before V8 has optimized
   * it (forum: Cohort's create went from ~2,000 to ~700 µs of CPU a request over its first 9 s).
   */
  warmup?: number;
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

const addSeconds = (a: number | null | undefined, b: number | null | undefined) =>
  a === null || a === undefined || b === null || b === undefined ? null : round(a + b, 3);

/** Two measurements of one side as one: mean throughput and median, the worse p99, counts and CPU seconds added. */
function meanOf(a: LoadResult, b: LoadResult): LoadResult {
  const statusCodes = { ...a.statusCodes };
  for (const [code, n] of Object.entries(b.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const requests = a.requests + b.requests;
  const cpuSeconds = addSeconds(a.cpuSeconds, b.cpuSeconds);
  const pgCpuSeconds = addSeconds(a.pgCpuSeconds, b.pgCpuSeconds);
  return {
    rps: round((a.rps + b.rps) / 2, 0),
    p50: (a.p50 + b.p50) / 2,
    p99: Math.max(a.p99, b.p99),
    mean: round((a.mean + b.mean) / 2, 2),
    requests,
    non2xx: a.non2xx + b.non2xx,
    errors: a.errors + b.errors,
    statusCodes,
    cpuSeconds,
    pgCpuSeconds,
    cpuUsPerRequest: usPerRequest(cpuSeconds, requests),
    pgCpuUsPerRequest: usPerRequest(pgCpuSeconds, requests),
  };
}

/**
 * What `load` reads before and after a run: the server process's CPU, and the CPU of the
 * PostgreSQL cluster behind the target (found afresh for each endpoint: the embedded one moves on
 * restart) with the backends of other databases set apart. /proc is read first, then
 * pg_stat_activity, so the reading is taken as close to the run's edge as it can be.
 */
async function cpuMeters(target: Target, notes: string[]) {
  const postmaster = await postmasterOf((text) => target.query(text));
  if ('reason' in postmaster) notes.push(`PostgreSQL CPU not measured: ${postmaster.reason}`);
  const otherPids = async () =>
    (
      await target.query<{ pid: number }>('select pid from pg_stat_activity where datname is not null and datname <> current_database()')
    ).rows.map((r) => r.pid);
  const meter = (pid: number) => async (): Promise<CpuReading> => {
    const server = processCpu(pid);
    const cluster = 'pid' in postmaster ? clusterCpu(postmaster.pid) : null;
    return { server, postgres: cluster && { ...cluster, otherPids: await otherPids() } };
  };
  return { cohort: meter(target.cohort.pid), floor: meter(target.floor.pid) };
}

/** Measures one endpoint on Cohort, then on the floor (or ABBA), on the same target, and records the row. */
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
  let cohort: LoadResult | undefined;
  let floor: LoadResult | undefined;
  const cpu = await cpuMeters(target, notes);
  if (spec.abba) {
    const half = { duration: Math.max(1, settings.duration / 2) };
    const warmup = spec.warmup ?? settings.warmup;
    const c1 = cohortBad ? undefined : await load(target.cohort.url, spec.load, { ...half, warmup, cpu: cpu.cohort });
    const f1 = floorBad ? undefined : await load(target.floor.url, floorSpec, { ...half, warmup, cpu: cpu.floor });
    const f2 = floorBad ? undefined : await load(target.floor.url, floorSpec, { ...half, warmup: 0, cpu: cpu.floor });
    const c2 = cohortBad ? undefined : await load(target.cohort.url, spec.load, { ...half, warmup: 0, cpu: cpu.cohort });
    cohort = c1 && c2 && meanOf(c1, c2);
    floor = f1 && f2 && meanOf(f1, f2);
    // The halves in the order run, so a drift (a cold first half, a neighbour's load) shows.
    log(`    ABBA halves req/s: Cohort ${c1?.rps ?? '-'}, floor ${f1?.rps ?? '-'}, floor ${f2?.rps ?? '-'}, Cohort ${c2?.rps ?? '-'}`);
  } else {
    const warmup = spec.warmup ?? settings.warmup;
    cohort = cohortBad ? undefined : await load(target.cohort.url, spec.load, { warmup, cpu: cpu.cohort });
    floor = floorBad ? undefined : await load(target.floor.url, floorSpec, { warmup, cpu: cpu.floor });
  }
  for (const [side, r] of [
    ['Cohort', cohort],
    ['floor ', floor],
  ] as const) {
    if (r)
      log(
        `    ${side} ${fmt(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, CPU ${fmt(r.cpuUsPerRequest ?? undefined)} µs/req, PostgreSQL ${fmt(r.pgCpuUsPerRequest ?? undefined)} µs/req${r.non2xx ? `, non-2xx ${r.non2xx}` : ''}`,
      );
  }
  for (const [side, r] of [
    ['Cohort', cohort],
    ['floor', floor],
  ] as const) {
    if (r && r.requests === 0) notes.push(`${side}: no response completed within ${settings.duration} s`);
    if (r && (r.non2xx || r.errors))
      notes.push(`${side}: ${r.non2xx} non-2xx, ${r.errors} errors/timeouts of ${r.requests} (${JSON.stringify(r.statusCodes)})`);
  }
  const ratio = cohort && floor && floor.rps > 0 ? round(cohort.rps / floor.rps, 3) : undefined;
  const cpuPerRequest = (r?: LoadResult) => (r?.cpuSeconds && r.requests ? r.cpuSeconds / r.requests : undefined);
  const cohortCpu = cpuPerRequest(cohort);
  const floorCpu = cpuPerRequest(floor);
  const cpuRatio = cohortCpu && floorCpu ? round(cohortCpu / floorCpu, 3) : undefined;
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
    cpuRatio,
    goal: spec.goal,
    notes,
    probe: probed,
  };
  run.rows.push({ ...row, verdict: verdictOf(row) });
  for (const n of notes) log(`    ${n}`);
}
