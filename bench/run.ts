/**
 * `npm run bench [-- scenario …]`: for each target database (the machine's PostgreSQL, then the
 * embedded one) start Cohort and the floor, run the chosen scenarios, print a markdown table and
 * write bench/results/latest.json. Knobs: docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import admin from './admin.bench.js';
import auth from './auth.bench.js';
import events from './events.bench.js';
import forum from './forum.bench.js';
import jobs from './jobs.bench.js';
import mentorship from './mentorship.bench.js';
import notifications from './notifications.bench.js';
import profiles from './profiles.bench.js';
import realtime from './realtime.bench.js';
import {
  ADMIN,
  adminQuery,
  BENCH_COHORT_ENV,
  BenchRun,
  clockTicks,
  embeddedDatabaseUrl,
  log,
  login,
  markdownReport,
  ROOT,
  round,
  settings,
  startCohort,
  startFloor,
  withDatabase,
  type Scenario,
  type Server,
  type Target,
  type TargetName,
} from './lib.js';

// In this order on each target, all on one database: mentorship and admin, which each add 100,000
// profiles, come last, after the suites that population would slow (jobs: a job-match row per matched member).
const SCENARIOS: Scenario[] = [auth, profiles, jobs, notifications, realtime, events, forum, mentorship, admin];

async function openTarget(name: TargetName, run: BenchRun, scenarioNames: string[]): Promise<Target> {
  const dataDir = join(run.tmpDir, `${name}-data`);
  let databaseUrl: string | undefined;
  if (name === 'postgres') {
    const db = settings.pgDatabase;
    if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`BENCH_DATABASE must be a plain identifier (got ${db})`);
    await adminQuery(settings.pgUrl, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await adminQuery(settings.pgUrl, `CREATE DATABASE ${db}`);
    databaseUrl = withDatabase(settings.pgUrl, db);
  } else if (name !== 'embedded') {
    throw new Error(`unknown target ${name} (BENCH_TARGETS takes postgres, embedded)`);
  }
  const database = { databaseUrl, dataDir };

  let cohort: Server | undefined;
  let floor: Server | undefined;
  let pool: pg.Pool | undefined;
  const up = async () => {
    cohort = await startCohort(`cohort [${name}]`, database, BENCH_COHORT_ENV);
    const directUrl = databaseUrl ?? embeddedDatabaseUrl(dataDir);
    pool = new pg.Pool({ connectionString: directUrl, max: 4 });
    pool.on('error', () => {});
    floor = await startFloor(`floor [${name}]`, scenarioNames, directUrl);
    return cohort;
  };
  const down = async () => {
    await floor?.stop();
    await pool?.end().catch(() => {});
    await cohort?.stop();
    floor = cohort = pool = undefined;
  };

  log(`\n## target: ${name}${databaseUrl ? ` (${databaseUrl})` : ` (embedded, DATA_DIR ${dataDir})`}`);
  try {
    const first = await up();
    run.measure({
      scenario: 'setup',
      what: name === 'embedded' ? 'first start (initdb + migrations)' : 'first start (empty database, migrations)',
      target: name,
      value: round(first.startupMs, 0),
      unit: 'ms',
    });
    const adminToken = await login(first.url, ADMIN.email, ADMIN.password);
    return {
      name,
      database,
      adminToken,
      get cohort() {
        if (!cohort) throw new Error(`Cohort [${name}] is not running`);
        return cohort;
      },
      get floor() {
        if (!floor) throw new Error(`floor [${name}] is not running`);
        return floor;
      },
      directUrl: () => databaseUrl ?? embeddedDatabaseUrl(dataDir),
      query: (text, values) => {
        if (!pool) throw new Error(`database [${name}] is not open`);
        return pool.query(text, values);
      },
      async restart(between) {
        await down();
        try {
          await between?.();
        } finally {
          await up();
        }
      },
      async close() {
        await down();
        if (databaseUrl && !settings.keep) {
          await adminQuery(settings.pgUrl, `DROP DATABASE IF EXISTS ${settings.pgDatabase} WITH (FORCE)`).catch((err) =>
            log(`could not drop ${settings.pgDatabase}: ${(err as Error).message}`),
          );
        }
      },
    };
  } catch (err) {
    await down();
    if (databaseUrl && !settings.keep)
      await adminQuery(settings.pgUrl, `DROP DATABASE IF EXISTS ${settings.pgDatabase} WITH (FORCE)`).catch(() => {});
    throw err;
  }
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

async function main() {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.name === w));
  if (unknown.length) {
    log(`unknown scenario(s): ${unknown.join(', ')}; available: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
  const selected = wanted.length ? SCENARIOS.filter((s) => wanted.includes(s.name)) : SCENARIOS;
  const names = selected.map((s) => s.name);
  const tmp = await mkdtemp(join(tmpdir(), 'cohort-bench-'));
  // As root, the embedded PostgreSQL runs as the `postgres` user, which must be able to reach DATA_DIR through this directory.
  await chmod(tmp, 0o711);
  const run = new BenchRun(tmp, names);
  let target: Target | undefined;

  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${signal}: stopping servers…`);
    void (async () => {
      await target?.close().catch(() => {});
      if (!settings.keep) await rm(tmp, { recursive: true, force: true }).catch(() => {});
      process.exit(130);
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  log(
    `Cohort bench: scenarios ${names.join(', ')}; targets ${settings.targets.join(', ')}; ${settings.connections} connections, ${settings.duration} s (+${settings.warmup} s warm-up)`,
  );
  const started = performance.now();
  try {
    for (const scenario of selected) {
      if (!scenario.before) continue;
      log(`\n## ${scenario.title}: before`);
      await scenario.before(run).catch((err: Error) => run.note(`${scenario.name} (before) failed: ${err.stack ?? err.message}`));
    }
    for (const name of settings.targets) {
      try {
        target = await openTarget(name, run, names);
      } catch (err) {
        run.note(`target ${name} not measured: ${(err as Error).message.split('\n').slice(0, 6).join(' / ')}`);
        continue;
      }
      try {
        for (const scenario of selected) {
          log(`\n## ${scenario.title} [${name}]`);
          await scenario.run(target, run).catch((err: Error) => run.note(`${scenario.name} [${name}] failed: ${err.stack ?? err.message}`));
        }
      } finally {
        await target.close();
        target = undefined;
      }
    }
  } finally {
    const report = markdownReport(run);
    process.stdout.write(`\n${report}\n`);
    const results = {
      started_at: run.startedAt.toISOString(),
      elapsed_s: round((performance.now() - started) / 1000, 1),
      commit: gitCommit(),
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        memory_gb: round(totalmem() / 2 ** 30, 1),
        node: process.version,
        clk_tck: clockTicks(),
      },
      settings: { ...settings, pgUrl: undefined, scenarios: names },
      rows: run.rows,
      measurements: run.measurements,
      notes: run.notes,
    };
    await mkdir(join(ROOT, 'bench/results'), { recursive: true });
    const json = `${JSON.stringify(results, null, 2)}\n`;
    // latest.json for a glance; the dated copy for `npm run bench:median` over several runs.
    const dated = `bench/results/${results.started_at.replace(/[:.]/g, '-')}.json`;
    await writeFile(join(ROOT, 'bench/results/latest.json'), json);
    await writeFile(join(ROOT, dated), json);
    log(`\nwritten bench/results/latest.json and ${dated} (${results.elapsed_s} s)`);
    if (!settings.keep) await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

await main();
