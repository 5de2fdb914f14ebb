import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.js';

/** JWT_SECRET when given; otherwise a secret generated once and kept in DATA_DIR (mode 0600). */
export async function loadJwtKey(config: Pick<Config, 'jwtSecret' | 'dataDir'>): Promise<Uint8Array> {
  if (config.jwtSecret) return new TextEncoder().encode(config.jwtSecret);
  const file = join(config.dataDir, 'jwt-secret');
  let secret = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (!secret) {
    await mkdir(config.dataDir, { recursive: true });
    secret = randomBytes(48).toString('base64url');
    await writeFile(file, secret, { mode: 0o600, flag: 'wx' }).catch(async () => {
      secret = (await readFile(file, 'utf8')).trim();
    });
  }
  return new TextEncoder().encode(secret);
}
