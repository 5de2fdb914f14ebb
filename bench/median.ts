/**
 * `npm run bench:median -- FILE.json FILE.json …`: the median of several bench runs, per endpoint and
 * database. One 8 s run on a 2-core machine moves an endpoint's ratio by ±30 %, on the floor too;
 * the median of a few runs is what a goal can be judged on (docs/benchmarks.md, issue 10's closing).
 * Each run writes bench/results/<start time>.json (and latest.json).
 */
import { readFileSync } from 'node:fs';

interface Row {
  scenario: string;
  endpoint: string;
  target: string;
  ratio: number;
  cpuRatio?: number;
  cohort: { p50: number; p99: number };
  floor: { p50: number; p99: number };
  goal?: { minRatio?: number; maxCpuRatio?: number };
}

const files = process.argv.slice(2).filter((a) => !a.startsWith('-'));
if (files.length < 2) {
  console.error('usage: npm run bench:median -- RUN1.json RUN2.json [RUN3.json …]');
  process.exit(2);
}
const runs = files.map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { rows: Row[] }).rows);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fixed = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(2));

const keys = [...new Set(runs.flat().map((r) => `${r.scenario}\t${r.endpoint}\t${r.target}`))];
console.log(`Median of ${runs.length} runs: ${files.join(', ')}\n`);
console.log('| scenario | endpoint | db | ratio per run | median | CPU ratio per run | median CPU | goal | verdict |');
console.log('| --- | --- | --- | --- | ---: | --- | ---: | --- | --- |');
for (const key of keys) {
  const [scenario, endpoint, target] = key.split('\t');
  const rows = runs.map((run) => run.find((r) => r.scenario === scenario && r.endpoint === endpoint && r.target === target));
  const present = rows.filter((r): r is Row => r !== undefined);
  const ratio = median(present.map((r) => r.ratio));
  const cpus = present.map((r) => r.cpuRatio).filter((c): c is number => c !== undefined);
  const cpu = cpus.length ? median(cpus) : undefined;
  const goal = present[0].goal ?? {};
  const misses = [
    goal.minRatio !== undefined && ratio < goal.minRatio ? 'ratio' : '',
    goal.maxCpuRatio !== undefined && cpu !== undefined && cpu > goal.maxCpuRatio ? 'cpu' : '',
  ].filter(Boolean);
  const goalText = [goal.minRatio && `≥ ${goal.minRatio}×`, goal.maxCpuRatio && `CPU ≤ ${goal.maxCpuRatio}×`].filter(Boolean).join(', ');
  const verdict = !goalText ? '' : misses.length ? `miss (${misses.join(', ')})` : 'ok';
  console.log(
    `| ${scenario} | ${endpoint} | ${target} | ${rows.map((r) => fixed(r?.ratio)).join(', ')} | **${fixed(ratio)}×** | ${rows.map((r) => fixed(r?.cpuRatio)).join(', ')} | ${fixed(cpu)}× | ${goalText} | ${verdict} |`,
  );
}
