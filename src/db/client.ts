import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.js';

export type Db = NodePgDatabase<typeof schema>;
/** A database handle or an open transaction: services accept either. */
export type Tx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * The pg connection behind a handle: a transaction's own client (drizzle keeps it at
 * tx.session.client), or the pool. For what drizzle does not do itself: pg-boss joining a
 * transaction, named statements inside one.
 */
export const connectionOf = (db: Tx) => (db as unknown as { session: { client: pg.PoolClient | pg.Pool } }).session.client;

// Return bigint counts as numbers (they stay far below 2^53 here) and keep timestamps as Date.
pg.types.setTypeParser(20, (v) => Number(v));

export interface Database {
  pool: pg.Pool;
  db: Db;
  close(): Promise<void>;
}

/** The database URL with another database name (tests clone databases; the bench creates its own). */
export const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

export function connectDatabase(url: string, poolSize = 20): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000 });
  // A client losing its connection (PostgreSQL restarting: 57P01, a dropped socket) must never end
  // the process. The pool only listens on idle clients; a client checked out by a transaction that
  // dies between two statements emits 'error' with nobody listening, an uncaught exception. Every
  // client gets a listener for its whole life: the failed query rejects on its own, and the pool
  // discards the dead client when it is released (it is no longer queryable).
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
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
