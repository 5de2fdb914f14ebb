import { Type, type IntegerOptions, type StringOptions, type TNull, type TSchema, type TUnion } from '@sinclair/typebox';
import { badRequest } from './errors.js';

/**
 * Shared building blocks of the wire contract (API.md). Every module builds its request schemas from
 * these, so odd input (NUL bytes, infinite or unsafe integers, dates PostgreSQL cannot store) is a
 * 400 naming the field before it reaches a service or the database (docs/decisions/030).
 */
export const UuidSchema = Type.String({ format: 'uuid' });
export const EmailSchema = Type.String({ format: 'email', maxLength: 254 });
/** A timestamp in a response: services hand over the Date the driver returned, the serializer writes ISO 8601. */
export const TimestampSchema = Type.Unsafe<Date | string>(Type.String({ format: 'date-time' }));
/**
 * One of fixed strings, as `{ type: 'string', enum }` rather than a union of literals: the response
 * serializer validates each value against every branch of an `anyOf` to choose one (an Ajv pass per
 * status in a list), while an enum is written as a plain string. Ajv and OpenAPI read both alike.
 */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/**
 * T or null. A primitive becomes a type list (`type: ['string', 'null']`) rather than `anyOf`: the
 * response serializer (fast-json-stringify) runs an Ajv validation per value to pick an `anyOf`
 * branch (a measurable share of a 20-card list), while a type list is one `=== null` test; and Ajv's
 * coercion of a type list only applies when no type matches (see events' NullableSeats). Objects
 * and references keep the union.
 */
const PRIMITIVES = new Set(['string', 'integer', 'number', 'boolean']);
export function Nullable<T extends TSchema>(schema: T): TUnion<[T, TNull]> {
  if (typeof schema.type !== 'string' || !PRIMITIVES.has(schema.type)) return Type.Union([schema, Type.Null()]);
  return Type.Unsafe({ ...schema, type: [schema.type, 'null'] }) as unknown as TUnion<[T, TNull]>;
}

// ---- text -------------------------------------------------------------------------------------

/** PostgreSQL text cannot hold U+0000: any string without it. */
export const NO_NUL = '^[^\\u0000]*$';
/** Without U+0000 and not blank (at least one non-space character). */
export const NOT_BLANK = '^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$';

/** Free text that may be empty (a filter, an optional note). */
export const Text = (options: StringOptions & { maxLength: number }) => Type.String({ pattern: NO_NUL, ...options });
/** Text that must say something: trimmed, it is not empty. */
export const RequiredText = (options: StringOptions & { maxLength: number }) =>
  Type.String({ minLength: 1, pattern: NOT_BLANK, ...options });
/** A query-string filter: optional, empty (after trimming) means "no filter" (SEARCH.md). */
export const Filter = (description: string, maxLength = 200) => Type.Optional(Text({ maxLength, description }));

// ---- links -------------------------------------------------------------------------------------

/**
 * A link a client will follow (notifications): a site path with exactly one leading `/`, or an
 * absolute http(s) URL without credentials. Refused: `//host` and `/\host` (browsers read both as
 * another site), whitespace and control characters anywhere (browsers drop tabs and newlines, so
 * `/\t/host` would become `//host`), backslashes, other schemes (docs/decisions/113).
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
const LINK = /^(?:\/(?![/\\])|[Hh][Tt][Tt][Pp][Ss]?:\/\/[^\s/?#\\@\u0000-\u001f\u007f]+(?=[/?#]|$))[^\s\\\u0000-\u001f\u007f]*$/;

/** True for a site path or an http(s) URL with a host and no credentials (decision 113). */
export function isSafeLink(value: string): boolean {
  if (!LINK.test(value)) return false;
  if (value.startsWith('/')) return true;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && Boolean(url.hostname) && !url.username && !url.password;
  } catch {
    return false;
  }
}

/**
 * A link input: text the service checks with isSafeLink (400 naming the field), which gives one
 * readable message instead of a regular expression in the error.
 */
export const LinkInput = (options: StringOptions & { maxLength: number }) =>
  Text({ description: 'A site path such as /events/<id> (exactly one leading /) or an http(s) URL', ...options });

// ---- integers -----------------------------------------------------------------------------------

/**
 * An integer in [minimum, maximum], both within the safe range, so 20-digit numbers are refused and
 * nothing reaches PostgreSQL as a bigint it cannot take. Query-string and path integers are further
 * required to be written as plain decimals (no `1e1`, `0x10`, `-0`, `Infinity`): see plugins/strict-input.ts.
 */
export const Int = (options: IntegerOptions & { minimum: number; maximum: number }) => {
  if (!Number.isSafeInteger(options.minimum) || !Number.isSafeInteger(options.maximum)) {
    throw new Error('Int(): minimum and maximum must be safe integers');
  }
  return Type.Integer(options);
};

/** How a query-string or path integer must be spelled: a decimal without sign noise, leading zeros or exponent. */
export const DECIMAL_INTEGER = /^-?(0|[1-9][0-9]{0,15})$/;

// ---- dates --------------------------------------------------------------------------------------

/** Years 0001–9999: what both JavaScript and PostgreSQL read the same way (there is no year 0). */
const YEAR = '(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})';
/** An RFC 3339 date-time PostgreSQL can store. */
export const DateTimeInput = (options: StringOptions = {}) =>
  Type.String({ format: 'date-time', pattern: `^${YEAR}-`, maxLength: 40, ...options });
/** A query-string date or date-time (ISO 8601, the service parses it); blank means no filter. */
export const DATE_FILTER_PATTERN = `^\\s*(${YEAR}-[0-9]{2}-[0-9]{2}([Tt ][0-9:.]+([Zz]|[+-][0-9:]+)?)?)?\\s*$`;
/** An optional query-string date filter; read it with `parseDateFilter`. */
export const DateFilter = (description: string) =>
  Type.Optional(
    Type.String({
      maxLength: 40,
      pattern: DATE_FILTER_PATTERN,
      description: `${description} (ISO 8601 date-time, or a date: UTC midnight)`,
    }),
  );

/**
 * The instant a validated date-time names. Its UTC year must still be 0001–9999: an offset can carry
 * `9999-12-31T23:59:59-14:00` into year 10000 (or `0001-01-01T00:00+14:00` into year 0), which the
 * pattern cannot see and PostgreSQL or `toISOString` would choke on.
 */
export function storableInstant(field: string, value: string | number): Date {
  const date = new Date(value);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999) {
    throw badRequest(field, 'must be a date-time in the years 0001–9999 (UTC)');
  }
  return date;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * A query-string date filter (DATE_FILTER_PATTERN) as the ISO instant it names, or undefined when it
 * is blank (no filter, SEARCH.md). A date alone, or a date-time without a zone, is read as UTC.
 */
export function parseDateFilter(field: string, raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  const hasTime = /[T ]/i.test(value);
  const hasZone = /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(value.slice(10));
  const ms = ISO_DATE_TIME.test(value) ? Date.parse(hasTime && !hasZone ? `${value.replace(' ', 'T')}Z` : value.replace(' ', 'T')) : NaN;
  if (Number.isNaN(ms)) throw badRequest(field, 'must be an ISO 8601 date-time such as 2026-01-31T00:00:00Z');
  return storableInstant(field, ms).toISOString();
}

/**
 * A from/to pair of query-string date filters, each read with parseDateFilter. A range whose start is
 * after its end is a client mistake: 400 naming the start field (`from`, `joined_from`), on every
 * endpoint that takes a range, never an empty answer. Equal bounds are allowed (a half-open range is
 * then empty). Blank bounds filter nothing, so they never invert a range.
 */
export function parseDateRange(
  raw: { from?: string; to?: string },
  fields: { from: string; to: string } = { from: 'from', to: 'to' },
): { from?: string; to?: string } {
  const from = parseDateFilter(fields.from, raw.from);
  const to = parseDateFilter(fields.to, raw.to);
  if (from && to && Date.parse(from) > Date.parse(to)) throw badRequest(fields.from, `must not be after ${fields.to}`);
  return { from, to };
}

// ---- roles --------------------------------------------------------------------------------------

export const roles = ['student', 'alumni', 'faculty', 'recruiter', 'admin'] as const;
export type Role = (typeof roles)[number];
export const RoleSchema = Type.Unsafe<Role>({ type: 'string', enum: [...roles] });
/** Who may post jobs and use the recruiter dashboard (API.md). */
export const POSTER_ROLES = ['alumni', 'recruiter', 'admin'] as const satisfies readonly Role[];
/** Who may apply to jobs. */
export const APPLICANT_ROLES = ['student', 'alumni'] as const satisfies readonly Role[];
/** Roles anyone may register with: never admin. */
export const SELF_SERVICE_ROLES = ['student', 'alumni', 'faculty', 'recruiter'] as const satisfies readonly Role[];

// ---- problems -----------------------------------------------------------------------------------

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

export const IdParamsSchema = Type.Object({ id: UuidSchema });

/** Standard error responses for a route, so the OpenAPI document lists them. */
export const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, Type.Ref('Problem')]));
