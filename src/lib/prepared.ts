import { fillPlaceholders } from 'drizzle-orm';
import type { QueryArrayConfig, QueryResultRow } from 'pg';
import { connectionOf, type Db, type Tx } from '../db/client.js';
import type { AppContext } from './context.js';
import { drizzleTypes, rowMapper } from './rows.js';

/**
 * A hot query built once per app and run as a named prepared statement: drizzle then skips building
 * the SQL on every request (measurably the largest JS cost of a simple read) and PostgreSQL skips parsing.
 * Use sql.placeholder('x') for the values and `.prepare(name)` in `build`.
 */
export function prepared<T>(ctx: AppContext, name: string, build: (db: Db) => T): T {
  return preparedOn(ctx.db, name, build);
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
/** The statements of runShaped and readShaped, per app, by family and shape. */
const statements = new WeakMap<AppContext, Map<string, unknown>>();
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

/**
 * Fixed SQL run as a named prepared statement on the connection of `db` (a transaction's own, or
 * the pool): no query builder runs per call and PostgreSQL plans it once per connection. It is for
 * the few statements of a hot write inside a transaction, where `prepared()` (bound to the pool)
 * cannot go. One name, one constant text: pg refuses a name reused with another text.
 */
export async function runNamed<Row extends QueryResultRow>(db: Tx, name: string, text: string, values: unknown[]) {
  const { rows } = await connectionOf(db).query<Row>({ name, text, values });
  return rows;
}

interface Selecting extends Runnable {
  toSQL(): { sql: string; params: unknown[] };
  /** The select's fields as given to select({...}): the order of the statement's columns. */
  readonly _: { readonly selectedFields: unknown };
}
interface ArrayStatement {
  config: Omit<QueryArrayConfig, 'values'>;
  params: unknown[];
  toRow: (row: unknown[]) => unknown;
}

export interface ReadOptions {
  /**
   * Send the statement unnamed, so PostgreSQL plans it for this request's values. A named statement
   * switches to one generic plan after five runs, which for filters whose selectivity depends on the
   * value (the commonest employer against a rare one) can cost ten times the database time of the
   * value's own plan (decision 128). The SQL and the row mapping are still written once per shape.
   */
  planPerRequest?: boolean;
}

/**
 * runShaped for a hot list's page (directory, search, the jobs board): the same statement, prepared
 * under the same kind of name, but sent with pg directly and its rows (read as arrays, as drizzle
 * reads them) turned into objects by a function written once per shape (src/lib/rows.ts), instead of
 * drizzle's generic per-row mapping: the same values, for less CPU per request (decision 126). The
 * selection must be flat (`select({ ...columns })`). Past MAX_SHAPES_PER_FAMILY shapes, as runShaped,
 * it is built per request and run by drizzle.
 */
export async function readShaped<Query extends Selecting>(
  ctx: AppContext,
  family: string,
  shape: string,
  build: (db: Db) => Query,
  params: Record<string, unknown>,
  options: ReadOptions = {},
): Promise<Awaited<ReturnType<Query['execute']>>> {
  type Result = Awaited<ReturnType<Query['execute']>>;
  let byName = statements.get(ctx);
  if (!byName) statements.set(ctx, (byName = new Map()));
  const key = `${family}|${shape}|${options.planPerRequest ? 'unnamed' : 'named'}`;
  let statement = byName.get(key) as ArrayStatement | undefined;
  if (!statement) {
    let counts = shapeCounts.get(ctx);
    if (!counts) shapeCounts.set(ctx, (counts = new Map()));
    const n = counts.get(family) ?? 0;
    if (n >= MAX_SHAPES_PER_FAMILY) return (await build(ctx.db).execute(params)) as Result;
    const query = build(ctx.db);
    const { sql: text, params: template } = query.toSQL();
    const toRow = rowMapper(query._.selectedFields as Record<string, unknown>);
    counts.set(family, n + 1);
    // drizzle's type parsers (rows.ts): dates and times arrive as text and the columns decode them.
    const types = drizzleTypes as QueryArrayConfig['types'];
    const config = options.planPerRequest
      ? { text, rowMode: 'array' as const, types }
      : { name: `${family}-${n}`, text, rowMode: 'array' as const, types };
    statement = { config, params: template, toRow };
    byName.set(key, statement);
  }
  const { rows } = await ctx.pool.query({ ...statement.config, values: fillPlaceholders(statement.params, params) });
  return rows.map(statement.toRow) as Result;
}
