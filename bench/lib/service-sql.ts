/** bench: the floors' statements, taken from the services' own query builders so they cannot drift. */
import { Placeholder } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { Db } from '../../src/db/client.js';
import * as schema from '../../src/db/schema.js';

const db = drizzle.mock({ schema }) as unknown as Db;

export interface ServiceStatement {
  /** The SQL the service sends, as drizzle renders it. */
  text: string;
  /** The positional values for named placeholders (sql.placeholder('name') in the service). */
  values(named: Record<string, unknown>): unknown[];
}

/** `build` is the service's exported builder (e.g. jobReadStatement in jobs.service.ts); its `.toSQL()` is the floor's statement. */
export function serviceStatement(build: (db: Db) => { toSQL(): { sql: string; params: unknown[] } }): ServiceStatement {
  const { sql, params } = build(db).toSQL();
  return {
    text: sql,
    values: (named) => params.map((p) => (p instanceof Placeholder ? named[p.name] : p)),
  };
}
