/** bench: Load (autocannon) */
import autocannon, { type Request as LoadRequest } from 'autocannon';
import { postgresSecondsBetween, type PostgresReading } from './cpu.js';
import { settings } from './settings.js';
import { round, sleep } from './util.js';

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
  /** CPU seconds over the measured run (not the warm-up): the server process's, the PostgreSQL cluster's; null when not read. */
  cpuSeconds?: number | null;
  pgCpuSeconds?: number | null;
  /** The same per completed request, in microseconds. */
  cpuUsPerRequest?: number | null;
  pgCpuUsPerRequest?: number | null;
}

/** CPU used so far by the server under load (seconds) and by its database cluster (bench/lib/cpu.ts). */
export interface CpuReading {
  server: number | null;
  postgres: PostgresReading | null;
}

/** µs per request from a CPU-seconds delta; null when either is unknown. */
export const usPerRequest = (seconds: number | null | undefined, requests: number) =>
  seconds === null || seconds === undefined || requests === 0 ? null : round((seconds * 1e6) / requests, 0);

const serverDelta = (before?: CpuReading, after?: CpuReading) =>
  before?.server == null || after?.server == null ? null : round(after.server - before.server, 3);
const postgresDelta = (before?: CpuReading, after?: CpuReading) =>
  before?.postgres && after?.postgres ? round(postgresSecondsBetween(before.postgres, after.postgres), 3) : null;

export async function load(
  baseUrl: string,
  spec: LoadSpec,
  options: { connections?: number; duration?: number; warmup?: number; cpu?: () => Promise<CpuReading> } = {},
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
  // CPU read right before and right after the measured run: in steady load, the work of the warm-up's
  // cut-off requests at the start balances that of the run's cut-off requests at the end.
  const cpuBefore = await options.cpu?.();
  const r = await autocannon({ ...base, duration: options.duration ?? settings.duration });
  const cpuAfter = await options.cpu?.();
  // Requests cut off by the end of the run are still being served: let them finish before the next measurement.
  await sleep(r.latency.totalCount ? Math.min(5000, Math.max(250, r.latency.p99)) : 5000);
  const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]));
  const completed = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  const cpuSeconds = serverDelta(cpuBefore, cpuAfter);
  const pgCpuSeconds = postgresDelta(cpuBefore, cpuAfter);
  return {
    rps: round(completed / r.duration, 0),
    p50: r.latency.p50,
    p99: r.latency.p99,
    mean: round(r.latency.mean, 2),
    requests: completed,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    statusCodes,
    ...(options.cpu
      ? {
          cpuSeconds,
          pgCpuSeconds,
          cpuUsPerRequest: usPerRequest(cpuSeconds, completed),
          pgCpuUsPerRequest: usPerRequest(pgCpuSeconds, completed),
        }
      : {}),
  };
}
