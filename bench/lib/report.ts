/** bench: Reporting */
import { settings } from './settings.js';
import { clockTicks } from './cpu.js';
import { round } from './util.js';
import type { LoadResult } from './load.js';
import { TargetName } from './targets.js';

export interface Goal {
  /** Cohort's requests/s divided by the floor's must be at least this. */
  minRatio?: number;
  /** Cohort's p99 in ms must be at most this. */
  maxP99?: number;
  /** Cohort's p99 must be at most this many times the floor's. */
  maxP99Ratio?: number;
  /** Cohort's server CPU per request must be at most this many times the floor's. */
  maxCpuRatio?: number;
}

export interface ComparisonRow {
  scenario: string;
  endpoint: string;
  target: TargetName;
  cohort?: LoadResult;
  floor?: LoadResult;
  ratio?: number;
  /** Cohort's server CPU per request divided by the floor's. */
  cpuRatio?: number;
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

export const fmt = (n: number | undefined, digits = 0) =>
  n === undefined ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits });

export function verdictOf(row: Omit<ComparisonRow, 'verdict'>) {
  if (!row.cohort) return 'n/a';
  if (row.cohort.requests === 0) return 'no responses';
  const misses: string[] = [];
  const invalid = row.cohort.non2xx + row.cohort.errors > row.cohort.requests * 0.01;
  if (invalid) misses.push('errors');
  if (row.goal?.minRatio !== undefined && row.ratio !== undefined && row.ratio < row.goal.minRatio) misses.push('ratio');
  if (row.goal?.maxP99 !== undefined && row.cohort.p99 > row.goal.maxP99) misses.push('p99');
  if (row.goal?.maxP99Ratio !== undefined && row.floor && row.cohort.p99 > row.goal.maxP99Ratio * row.floor.p99) misses.push('p99');
  if (row.goal?.maxCpuRatio !== undefined && row.cpuRatio !== undefined && row.cpuRatio > row.goal.maxCpuRatio) misses.push('cpu');
  if (!row.goal) return invalid ? 'errors' : '';
  return misses.length ? `miss (${misses.join(', ')})` : 'ok';
}

const goalText = (goal?: Goal) =>
  goal
    ? [
        goal.minRatio !== undefined ? `≥ ${goal.minRatio}×` : '',
        goal.maxP99 !== undefined ? `p99 ≤ ${goal.maxP99} ms` : '',
        goal.maxP99Ratio !== undefined ? `p99 ≤ ${goal.maxP99Ratio}× floor's` : '',
        goal.maxCpuRatio !== undefined ? `CPU ≤ ${goal.maxCpuRatio}× floor's` : '',
      ]
        .filter(Boolean)
        .join(', ')
    : '';

export function markdownReport(run: BenchRun) {
  const lines: string[] = [];
  lines.push(
    `Cohort bench, ${run.startedAt.toISOString()}: ${settings.connections} connections, ${settings.duration} s per measurement (+${settings.warmup} s warm-up), pool ${settings.poolSize}, node ${process.version}; CPU per request from /proc (utime + stime, ${round(1000 / clockTicks(), 1)} ms ticks) over each measured run.`,
    '',
    '| scenario | endpoint | db | Cohort req/s | p50 ms | p99 ms | floor req/s | p50 ms | p99 ms | Cohort/floor | Cohort CPU µs/req | floor CPU µs/req | CPU Cohort/floor | PG CPU µs/req (Cohort) | PG CPU µs/req (floor) | goal | verdict |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  );
  const times = (ratio?: number) => (ratio === undefined ? '—' : `${ratio.toFixed(2)}×`);
  const us = (value?: number | null) => fmt(value ?? undefined);
  for (const r of run.rows) {
    lines.push(
      `| ${r.scenario} | ${r.endpoint} | ${r.target} | ${fmt(r.cohort?.rps)} | ${fmt(r.cohort?.p50, 1)} | ${fmt(r.cohort?.p99, 1)} | ${fmt(r.floor?.rps)} | ${fmt(r.floor?.p50, 1)} | ${fmt(r.floor?.p99, 1)} | ${times(r.ratio)} | ${us(r.cohort?.cpuUsPerRequest)} | ${us(r.floor?.cpuUsPerRequest)} | ${times(r.cpuRatio)} | ${us(r.cohort?.pgCpuUsPerRequest)} | ${us(r.floor?.pgCpuUsPerRequest)} | ${goalText(r.goal)} | ${r.verdict} |`,
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
