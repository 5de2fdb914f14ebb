import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.js';

export type Db = NodePgDatabase<typeof schema>;
/** A database handle or an open transaction: services accept either. */
export type Tx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

// Return bigint counts as numbers (they stay far below 2^53 here) and keep timestamps as Date.
pg.types.setTypeParser(20, (v) => Number(v));

export interface Database {
  pool: pg.Pool;
  db: Db;
  close(): Promise<void>;
}

export function connectDatabase(url: string, poolSize = 20): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // Table keys are already the snake_case column names, so no casing conversion is configured (it costs per query).
  const db = drizzle(pool, { schema });
  return { pool, db, close: () => pool.end() };
}

/**
 * The one code path to a database: DATABASE_URL when set, otherwise the embedded PostgreSQL of
 * DATA_DIR, started here and stopped by close().
 */
export async function openDatabase(
  config: { databaseUrl?: string; dataDir: string; dbPoolSize: number },
  log: (msg: string) => void = () => {},
): Promise<Database & { url: string }> {
  if (config.databaseUrl) {
    const database = connectDatabase(config.databaseUrl, config.dbPoolSize);
    return { ...database, url: config.databaseUrl };
  }
  const { startEmbeddedPostgres } = await import('./embedded.js');
  const embedded = await startEmbeddedPostgres(config.dataDir, log);
  const database = connectDatabase(embedded.url, config.dbPoolSize);
  return {
    ...database,
    url: embedded.url,
    async close() {
      await database.close();
      await embedded.stop();
    },
  };
}
