import { Column, fillPlaceholders, is, SQL } from 'drizzle-orm';
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

interface Selecting {
  toSQL(): { sql: string; params: unknown[] };
  readonly _: { readonly selectedFields: Record<string, unknown> };
  execute(): Promise<unknown>;
}
type RowOf<Query extends Selecting> = Awaited<ReturnType<Query['execute']>> extends (infer Row)[] ? Row : never;

const rowStatements = new WeakMap<AppContext, Map<string, { name?: string; text: string; params: unknown[]; keys: string[] }>>();

/**
 * `runShaped` for a flat select read on every request (a page of posts): drizzle builds the SQL
 * once per shape, then each request sends it as a named pg statement and turns the rows (arrays)
 * into objects by the selection's keys, without drizzle's per-field row mapping (about 15 µs per
 * row of a 20-post page, most of the read's JavaScript). pg's own parsers then read the values: use
 * it only for selections of columns and `sql` whose types pg reads as drizzle would (timestamps
 * as Date, text, uuid, boolean, integer, text[]; no jsonb with a custom type, no `mapWith` that
 * changes a value), and a top level of plain keys (a nested selection is refused when built).
 */
export async function runShapedRows<Query extends Selecting>(
  ctx: AppContext,
  family: string,
  shape: string,
  build: (db: Db) => Query,
  params: Record<string, unknown>,
): Promise<RowOf<Query>[]> {
  let byShape = rowStatements.get(ctx);
  if (!byShape) rowStatements.set(ctx, (byShape = new Map()));
  const key = `${family}|${shape}`;
  let statement = byShape.get(key);
  if (!statement) {
    const query = build(ctx.db);
    const fields = query._.selectedFields;
    const keys = Object.keys(fields);
    const nested = keys.find((k) => !is(fields[k], Column) && !is(fields[k], SQL) && !is(fields[k], SQL.Aliased));
    if (nested) throw new Error(`runShapedRows(${family}): "${nested}" is not a column or sql (nested selections are not flat)`);
    const { sql: text, params: template } = query.toSQL();
    let counts = shapeCounts.get(ctx);
    if (!counts) shapeCounts.set(ctx, (counts = new Map()));
    const n = counts.get(family) ?? 0;
    // Past the cap, the same SQL unnamed (parsed per request) and not kept.
    if (n >= MAX_SHAPES_PER_FAMILY) return runRows(ctx, { text, params: template, keys }, params);
    counts.set(family, n + 1);
    statement = { name: `${family}-${n}`, text, params: template, keys };
    byShape.set(key, statement);
  }
  return runRows(ctx, statement, params);
}

async function runRows<Row>(ctx: AppContext, statement: { name?: string; text: string; params: unknown[]; keys: string[] }, params: Record<string, unknown>) {
  const { rows } = await ctx.pool.query<unknown[]>({
    name: statement.name,
    text: statement.text,
    values: fillPlaceholders(statement.params, params),
    rowMode: 'array',
  });
  const { keys } = statement;
  return rows.map((values) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) row[keys[i]!] = values[i];
    return row as Row;
  });
}
