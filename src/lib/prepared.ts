import type { Db, Tx } from '../db/client.js';
import type { AppContext } from './context.js';

/**
 * A hot query built once per app and run as a named prepared statement: drizzle then skips building
 * the SQL on every request (measurably the largest JS cost of a simple read) and PostgreSQL skips parsing.
 * Use sql.placeholder('x') for the values and `.prepare(name)` in `build`.
 */
const statements = new WeakMap<AppContext, Map<string, unknown>>();

export function prepared<T>(ctx: AppContext, name: string, build: (db: Db) => T): T {
  let byName = statements.get(ctx);
  if (!byName) statements.set(ctx, (byName = new Map()));
  if (!byName.has(name)) byName.set(name, build(ctx.db));
  return byName.get(name) as T;
}

const byHandle = new WeakMap<object, Map<string, unknown>>();

/**
 * `prepared` for code that is handed a database handle rather than the context (a content type's
 * `find`, engagement.registry.ts). The statement belongs to that handle: on the app's `ctx.db` it
 * is built once; on a transaction it lives as long as the transaction.
 */
export function preparedOn<T, H extends Tx>(db: H, name: string, build: (db: H) => T): T {
  let byName = byHandle.get(db);
  if (!byName) byHandle.set(db, (byName = new Map()));
  if (!byName.has(name)) byName.set(name, build(db));
  return byName.get(name) as T;
}

/** At most this many shapes per family get a prepared statement (each costs memory on every connection). */
export const MAX_SHAPES_PER_FAMILY = 64;
const shapeCounts = new WeakMap<AppContext, Map<string, number>>();

interface Runnable {
  execute(params?: Record<string, unknown>): Promise<unknown>;
}
interface Preparable extends Runnable {
  prepare(name: string): Runnable;
}

/**
 * A list query whose shape depends on the request (which filters are present, first page or not):
 * `build` writes it once per `shape` with placeholders, and it runs as a named prepared statement
 * from then on. Past MAX_SHAPES_PER_FAMILY shapes (odd filter combinations, many search words) it
 * is built per request, as an unprepared query: the same answer, just without the saving.
 */
export function runShaped<Query extends Preparable>(
  ctx: AppContext,
  family: string,
  shape: string,
  build: (db: Db) => Query,
  params: Record<string, unknown>,
): ReturnType<Query['execute']> {
  type Result = ReturnType<Query['execute']>;
  let byName = statements.get(ctx);
  if (!byName) statements.set(ctx, (byName = new Map()));
  const key = `${family}|${shape}`;
  let statement = byName.get(key) as Runnable | undefined;
  if (!statement) {
    let counts = shapeCounts.get(ctx);
    if (!counts) shapeCounts.set(ctx, (counts = new Map()));
    const n = counts.get(family) ?? 0;
    if (n >= MAX_SHAPES_PER_FAMILY) return build(ctx.db).execute(params) as Result;
    counts.set(family, n + 1);
    // PostgreSQL names are at most 63 bytes: the family and a number, never the shape itself.
    statement = build(ctx.db).prepare(`${family}-${n}`);
    byName.set(key, statement);
  }
  return statement.execute(params) as Result;
}
