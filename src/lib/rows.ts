import { Column, is, noopDecoder, SQL, Subquery, type DriverValueDecoder } from 'drizzle-orm';
import pg from 'pg';

/**
 * Reading a hot list's rows without drizzle's per-row mapping (decision 126). drizzle's node-postgres
 * driver already asks pg for rows as arrays; it then builds each object with a generic loop
 * (`mapResultRow`: a reduce over the columns with `is()` class checks and path walks), which on a
 * 20-row page cost more than serializing the page. Here the same decoders run from a function
 * written once per selection, so the rows are the very values drizzle would return, built as plain
 * objects of one shape.
 */

/**
 * The type parsers drizzle's node-postgres driver gives pg (drizzle-orm/node-postgres/session.js):
 * pg's own, except the date and time types (and their arrays), which stay text so that the columns'
 * decoders read them (a `timestamp` column in date mode makes a Date of it, in string mode keeps it).
 */
const TEXT_AS_IS = new Set([
  pg.types.builtins.TIMESTAMPTZ,
  pg.types.builtins.TIMESTAMP,
  pg.types.builtins.DATE,
  pg.types.builtins.INTERVAL,
  1115, // timestamp[]
  1182, // date[]
  1185, // timestamptz[]
  1187, // interval[]
  1231, // numeric[]
]);
const asIs = (value: string) => value;
export const drizzleTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    TEXT_AS_IS.has(oid) ? asIs : (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(oid, format),
};

type Decoder = DriverValueDecoder<unknown, unknown>;
const identity = Column.prototype.mapFromDriverValue;
const isIdentity = (decoder: Decoder) =>
  decoder.mapFromDriverValue === identity || decoder.mapFromDriverValue === noopDecoder.mapFromDriverValue;

// An SQL's decoder (set by .mapWith) is internal in drizzle's types.
const sqlDecoder = (sql: SQL) => (sql as unknown as { decoder: Decoder }).decoder;
/** How drizzle decodes a selected field (the same choice as its mapResultRow). */
function decoderOf(key: string, field: unknown): Decoder {
  // In an object literal even a quoted "__proto__" sets the prototype instead of a key.
  if (key === '__proto__') throw new Error('rows: "__proto__" cannot be a selected key');
  if (is(field, Column)) return field;
  if (is(field, SQL)) return sqlDecoder(field);
  if (is(field, SQL.Aliased)) return sqlDecoder(field.sql);
  if (is(field, Subquery)) return sqlDecoder((field as unknown as { _: { sql: SQL } })._.sql);
  throw new Error(`rows: "${key}" is a nested selection; only flat selections are read as arrays`);
}

/** A text[] (or any array whose elements decode as themselves) that pg already parsed needs no decoding. */
const isPlainArrayColumn = (decoder: unknown) =>
  is(decoder, Column) &&
  (decoder as Column).columnType === 'PgArray' &&
  (decoder as unknown as { baseColumn: Column }).baseColumn.mapFromDriverValue === identity;

/**
 * A function from a row read with `rowMode: 'array'` to the object drizzle would return for `selection`
 * (a flat `select({...})`: columns and SQL expressions, in the order of its keys, as drizzle writes
 * the SQL). Values decode as drizzle decodes them; identity decoders are skipped.
 */
export function rowMapper<Row>(selection: Record<string, unknown>): (row: unknown[]) => Row {
  const entries = Object.entries(selection);
  const decoders = entries.map(([key, field]) => decoderOf(key, field));
  const values = decoders.map((decoder, i) => {
    if (isIdentity(decoder)) return `r[${i}]`;
    if (isPlainArrayColumn(decoder)) return `(r[${i}] === null || Array.isArray(r[${i}]) ? r[${i}] : d[${i}].mapFromDriverValue(r[${i}]))`;
    return `(r[${i}] === null ? null : d[${i}].mapFromDriverValue(r[${i}]))`;
  });
  // One object literal of a fixed shape per row (the keys are the code's own selection, quoted by
  // JSON.stringify): V8 builds it monomorphically, where an assignment loop or drizzle's reduce does not.
  const body = `return function row(r) { return { ${entries.map(([key], i) => `${JSON.stringify(key)}: ${values[i]}`).join(', ')} }; }`;
  return new Function('d', body)(decoders) as (row: unknown[]) => Row;
}
