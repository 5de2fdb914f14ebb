import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstBlockedDirectory, startEmbeddedPostgres, UnreachableDirectoryError } from '../src/db/embedded.js';

/**
 * Issue 9, bug 3: as root, the embedded PostgreSQL runs as the `postgres` user. A clone or DATA_DIR
 * inside a directory others cannot enter (a 0700 home, a `mktemp -d` folder) stops start-up with one
 * line naming that directory and the fix, instead of initdb's raw EACCES.
 */
const postgresIds = () => {
  try {
    return {
      uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
      gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
    };
  } catch {
    return undefined;
  }
};

let outer: string;
beforeAll(async () => {
  outer = await mkdtemp(join(tmpdir(), 'cohort-private-')); // mode 0700, like `mktemp -d` and /root
});
afterAll(() => rm(outer, { recursive: true, force: true }));

describe('firstBlockedDirectory', () => {
  it('when a parent directory has no search bit for others, then it is the one named', async () => {
    const nested = join(outer, 'clone', 'node_modules');
    await mkdir(nested, { recursive: true });
    await chmod(outer, 0o700);
    expect(await firstBlockedDirectory(nested, 12345, 12345)).toEqual({ dir: outer, mode: '0700' });
  });

  it('when every directory on the way can be entered, then nothing is named', async () => {
    expect(await firstBlockedDirectory(tmpdir(), 12345, 12345)).toBeUndefined();
  });
});

describe.runIf(userInfo().uid === 0 && postgresIds())('startEmbeddedPostgres as root', () => {
  it('when DATA_DIR is inside a 0700 directory, then it stops with one line naming the directory and the fix, and starts nothing', async () => {
    await chmod(outer, 0o700);
    const dataDir = join(outer, 'data');
    const err = await startEmbeddedPostgres(dataDir).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(UnreachableDirectoryError);
    expect(err!.message).not.toContain('\n');
    expect(err!.message).toContain(`cannot enter ${outer} (mode 0700)`);
    expect(err!.message).toContain(`chmod o+x ${outer}`);
    expect(err!.message).toMatch(/DATA_DIR/);
    // Nothing was initialised, and the lock was given back.
    expect(await readdir(join(dataDir, 'pg'))).toEqual([]);
    expect(await readdir(dataDir)).not.toContain('cohort.pid');
  });
});
