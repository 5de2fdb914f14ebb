import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { Type, type TSchema } from '@sinclair/typebox';
import type { AppContext } from './context.js';
import { badRequest } from './errors.js';
import { Int, Nullable, Text } from './schemas.js';

/**
 * Opaque keyset cursors: base64url(JSON of the last row's sort key) + an HMAC, so a client can
 * neither forge a position nor make the server parse arbitrary input.
 */
export interface CursorCodec {
  encode(key: unknown[]): string;
  decode(cursor: string | undefined): unknown[] | undefined;
}

const notOurs = () => badRequest('cursor', 'is not a cursor issued by this server');

export function createCursorCodec(secret: string): CursorCodec {
  const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 22);
  return {
    encode(key) {
      const payload = Buffer.from(JSON.stringify(key)).toString('base64url');
      return `${payload}.${sign(payload)}`;
    },
    decode(cursor) {
      if (cursor === undefined || cursor === '') return undefined;
      const [payload, mac] = cursor.split('.');
      const expected = payload ? sign(payload) : '';
      if (!payload || !mac || mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) {
        throw notOurs();
      }
      const key: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      if (!Array.isArray(key)) throw notOurs();
      return key;
    },
  };
}

export const PageQuerySchema = Type.Object({
  limit: Int({ minimum: 1, maximum: 100, default: 20, description: 'Page size (1–100)' }),
  cursor: Type.Optional(Text({ maxLength: 2000, description: 'The next_cursor of the previous page of the same list' })),
});

export const pageSchema = <T extends TSchema>(item: T) => Type.Object({ results: Type.Array(item), next_cursor: Nullable(Type.String()) });

export const countedPageSchema = <T extends TSchema>(item: T) =>
  Type.Object({ results: Type.Array(item), next_cursor: Nullable(Type.String()), count: Type.Integer() });

// ---- keyset lists -------------------------------------------------------------------------------

/**
 * The one timestamp format of cursors: UTC ISO 8601 with microseconds, whatever the session's
 * TimeZone, so a position never loses the microsecond a JavaScript Date would drop.
 */
export const cursorTimestamp = (at: SQL | AnyColumn) => sql<string>`to_char(${at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const CURSOR_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One column of a sort key (never null: coalesce it); `timestamp` values travel as `cursorTimestamp` text. */
export interface KeyPart {
  column: SQL | AnyColumn;
  /**
   * `boolean` orders false before true, so a `desc` list puts true first (pinned posts) and keeps its index.
   * `number` is a finite float8 (an average rating): JSON carries a double exactly, so the position is exact.
   */
  type: 'timestamp' | 'uuid' | 'text' | 'integer' | 'boolean' | 'number';
  /** Compare (and sort) byte-wise, as an index with COLLATE "C" does. */
  collate?: 'C';
  /** This part's own direction, for an index like `(rating DESC, id ASC)`; the list's direction otherwise. */
  direction?: 'asc' | 'desc';
  /**
   * Where the index that serves the list puts NULLs, when that differs from PostgreSQL's default
   * (NULLS FIRST for DESC). Drizzle writes `.desc()` as `DESC NULLS LAST`: an `ORDER BY … DESC` does
   * not match it, and PostgreSQL then sorts every matching row instead of reading the index in order
   * (a list page costs O(rows) instead of O(page)). Key parts are never null, so this changes the plan only.
   */
  nulls?: 'first' | 'last';
}

const accepts: Record<KeyPart['type'], (value: unknown) => boolean> = {
  timestamp: (v) => typeof v === 'string' && CURSOR_TIMESTAMP.test(v),
  uuid: (v) => typeof v === 'string' && UUID.test(v),
  text: (v) => typeof v === 'string' && !v.includes('\u0000'),
  integer: (v) => Number.isSafeInteger(v),
  boolean: (v) => typeof v === 'boolean',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
};
const casts: Record<KeyPart['type'], SQL> = {
  timestamp: sql`::timestamptz`,
  uuid: sql`::uuid`,
  text: sql`::text`,
  integer: sql`::bigint`,
  boolean: sql`::boolean`,
  number: sql`::float8`,
};
const collated = (part: KeyPart, value: SQL | AnyColumn) => (part.collate ? sql`${value} COLLATE "C"` : sql`${value}`);

export interface Keyset<Row> {
  /** ORDER BY of the list: every key part in the list's direction. */
  orderBy: SQL;
  /** The rows after the cursor's position (undefined on the first page); 400 for a cursor of another list. */
  after(ctx: AppContext, cursor: string | undefined): SQL | undefined;
  /**
   * The cursor's checked key values (undefined on the first page; 400 for a cursor of another list),
   * for a named prepared statement that binds the position as placeholders instead of using `after`.
   */
  position(ctx: AppContext, cursor: string | undefined): unknown[] | undefined;
  /** `after` for a statement prepared once: the position as placeholders `after0`, `after1`, … */
  afterPlaceholders(): SQL;
  /** The values of `afterPlaceholders` for this cursor (undefined on the first page; 400 as `after`). */
  positionParams(ctx: AppContext, cursor: string | undefined): Record<string, unknown> | undefined;
  /** Cuts `limit + 1` rows into a page and the cursor of the next one. */
  page<R extends Row>(ctx: AppContext, rows: R[], limit: number): { results: R[]; next_cursor: string | null };
}

/**
 * A keyset-paginated list (API.md "Pagination"). The cursor carries the list's name, so a cursor
 * issued by one list is a 400 on any other, and its key is checked part by part before it reaches SQL.
 *
 *     const board = keyset<{ cursor_ts: string; id: string }>('jobs', 'desc',
 *       [{ column: jobs.created_at, type: 'timestamp' }, { column: jobs.id, type: 'uuid' }],
 *       (row) => [row.cursor_ts, row.id]);
 *     // select { ...columns, cursor_ts: cursorTimestamp(jobs.created_at) }
 *     // .where(and(...filters, board.after(ctx, query.cursor))).orderBy(board.orderBy).limit(query.limit + 1)
 *     // return board.page(ctx, rows, query.limit);
 */
export function keyset<Row>(
  list: string,
  direction: 'asc' | 'desc',
  parts: readonly KeyPart[],
  keyOf: (row: Row) => unknown[],
): Keyset<Row> {
  const directionOf = (p: KeyPart) => p.direction ?? direction;
  const mixed = parts.some((p) => directionOf(p) !== direction);
  const columns = sql.join(
    parts.map((p) => collated(p, p.column)),
    sql`, `,
  );
  /** The rows beyond a position given as one SQL value per key part. */
  const beyond = (values: SQL[]) => {
    const at = parts.map((p, i) => collated(p, sql`${values[i]}${casts[p.type]}`));
    if (mixed) {
      // A row comparison needs one direction: spell it out, (a < x) OR (a = x AND b > y) OR …
      const steps = parts.map((p, i) => {
        const equalBefore = parts.slice(0, i).map((q, j) => sql`${collated(q, q.column)} = ${at[j]}`);
        const step = sql`${collated(p, p.column)} ${directionOf(p) === 'asc' ? sql`>` : sql`<`} ${at[i]}`;
        return sql`(${sql.join([...equalBefore, step], sql` AND `)})`;
      });
      return sql`(${sql.join(steps, sql` OR `)})`;
    }
    const joined = sql.join(at, sql`, `);
    return direction === 'asc' ? sql`(${columns}) > (${joined})` : sql`(${columns}) < (${joined})`;
  };
  const position = (ctx: AppContext, cursor: string | undefined) => {
    const key = ctx.cursors.decode(cursor);
    if (!key) return undefined;
    const [tag, ...values] = key;
    if (tag !== list || values.length !== parts.length || !parts.every((p, i) => accepts[p.type](values[i]))) {
      throw badRequest('cursor', 'is not a cursor issued for this list');
    }
    return values;
  };
  return {
    orderBy: sql.join(
      parts.map(
        (p) =>
          sql`${collated(p, p.column)} ${directionOf(p) === 'asc' ? sql`ASC` : sql`DESC`}${p.nulls ? sql.raw(` NULLS ${p.nulls.toUpperCase()}`) : sql``}`,
      ),
      sql`, `,
    ),
    position,
    after(ctx, cursor) {
      const values = position(ctx, cursor);
      return values && beyond(parts.map((p, i) => sql`${values[i]}`));
    },
    afterPlaceholders: () => beyond(parts.map((_p, i) => sql`${sql.placeholder(`after${i}`)}`)),
    positionParams(ctx, cursor) {
      const values = position(ctx, cursor);
      return values && Object.fromEntries(values.map((v, i) => [`after${i}`, v]));
    },
    page(ctx, rows, limit) {
      const hasMore = rows.length > limit;
      const results = hasMore ? rows.slice(0, limit) : rows;
      const last = results[results.length - 1];
      return { results, next_cursor: hasMore && last ? ctx.cursors.encode([list, ...keyOf(last)]) : null };
    },
  };
}
