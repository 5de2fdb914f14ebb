import type { Db } from '../db/client.js';
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
