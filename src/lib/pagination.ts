import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { badRequest } from './errors.js';

/**
 * Opaque keyset cursors: base64url(JSON of the last row's sort key) + an HMAC, so a client can
 * neither forge a position nor make the server parse arbitrary input.
 */
export interface CursorCodec {
  encode(key: unknown[]): string;
  decode(cursor: string | undefined): unknown[] | undefined;
}

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
        throw badRequest('cursor', 'is not a cursor issued by this server');
      }
      const key = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      if (!Array.isArray(key)) throw badRequest('cursor', 'is not a cursor issued by this server');
      return key;
    },
  };
}

export const PageQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size (1–100)' }),
  cursor: Type.Optional(Type.String({ maxLength: 2000, description: 'The next_cursor of the previous page' })),
});

/** Cuts a limit+1 result set into a page and the cursor of the next one. */
export function toPage<T>(rows: T[], limit: number, codec: CursorCodec, keyOf: (row: T) => unknown[]) {
  const hasMore = rows.length > limit;
  const results = hasMore ? rows.slice(0, limit) : rows;
  const last = results[results.length - 1];
  return { results, next_cursor: hasMore && last ? codec.encode(keyOf(last)) : null };
}

export const pageSchema = <T extends import('@sinclair/typebox').TSchema>(item: T) =>
  Type.Object({ results: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]) });

export const countedPageSchema = <T extends import('@sinclair/typebox').TSchema>(item: T) =>
  Type.Object({
    results: Type.Array(item),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
    count: Type.Integer(),
  });
