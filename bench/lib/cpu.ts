/**
 * bench: CPU time from /proc (Linux): a server process's, and a PostgreSQL cluster's. Read just
 * before and just after a measured load, divided by its completed requests (bench/lib/load.ts).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc's times (`getconf CLK_TCK`, 100 almost everywhere). */
export function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** Clock ticks in user and system mode, of every thread of the process. */
  utime: number;
  stime: number;
  /** Clock ticks of its children that exited and were waited for. */
  cutime: number;
  cstime: number;
}

/** /proc/<pid>/stat (proc(5)): fields 4 and 14–17; null when the process is gone or there is no /proc. */
function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3]);
  return {
    pid,
    comm: text.slice(text.indexOf('(') + 1, close),
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
  };
}

/**
 * CPU seconds (user + system, all threads: the event loop, libuv's pool, V8's GC and compiler
 * threads) a process has used since it started; null when it cannot be read. Its children are not
 * counted (Cohort's embedded PostgreSQL is a child of Cohort's process).
 */
export function processCpu(pid: number): number | null {
  const s = procStat(pid);
  return s ? (s.utime + s.stime) / clockTicks() : null;
}

/** CPU seconds a PostgreSQL cluster has used, in total and per live child of its postmaster. */
export interface ClusterCpu {
  total: number;
  children: Map<number, number>;
}

/**
 * CPU seconds a PostgreSQL cluster has used: its postmaster, every live child of it (backends,
 * parallel workers, checkpointer, WAL writer…) and the children it already reaped (its
 * cutime/cstime), so a backend or parallel worker that exits between two readings still counts.
 * Null when the postmaster cannot be read.
 */
export function clusterCpu(postmasterPid: number): ClusterCpu | null {
  const postmaster = procStat(postmasterPid);
  if (!postmaster) return null;
  const hz = clockTicks();
  let total = (postmaster.utime + postmaster.stime + postmaster.cutime + postmaster.cstime) / hz;
  const children = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = procStat(Number(entry));
    if (!s || s.ppid !== postmasterPid) continue;
    const seconds = (s.utime + s.stime) / hz;
    children.set(s.pid, seconds);
    total += seconds;
  }
  return { total, children };
}

/** A cluster reading, and which of its children were backends of other databases then. */
export interface PostgresReading extends ClusterCpu {
  otherPids: number[];
}

/**
 * The cluster's CPU seconds between two readings, less what the backends of other databases alive
 * at the second reading used meanwhile (from their first reading, or from 0 if they started since).
 * What other databases' backends that exited meanwhile used stays in: noise.
 */
export function postgresSecondsBetween(before: PostgresReading, after: PostgresReading) {
  let seconds = after.total - before.total;
  for (const pid of after.otherPids) {
    const used = after.children.get(pid);
    if (used !== undefined) seconds -= used - (before.children.get(pid) ?? 0);
  }
  return seconds;
}

/**
 * The postmaster of the cluster a connection reaches: the parent of its backend
 * (`pg_backend_pid()`). Null (with the reason) when that backend is not a process of this machine
 * as seen from here (a remote server, another PID namespace such as a container).
 */
export async function postmasterOf(
  query: (text: string) => Promise<{ rows: { pid: number }[] }>,
): Promise<{ pid: number } | { reason: string }> {
  let backendPid: number;
  try {
    backendPid = Number((await query('select pg_backend_pid() as pid')).rows[0].pid);
  } catch (err) {
    return { reason: `pg_backend_pid() failed: ${(err as Error).message}` };
  }
  const backend = procStat(backendPid);
  if (!backend || backend.comm !== 'postgres')
    return { reason: `backend ${backendPid} is not a postgres process here (remote server or another PID namespace)` };
  const postmaster = procStat(backend.ppid);
  if (!postmaster || postmaster.comm !== 'postgres') return { reason: `the parent of backend ${backendPid} is not a postmaster` };
  return { pid: postmaster.pid };
}
