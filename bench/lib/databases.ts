/** bench: Databases */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

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
