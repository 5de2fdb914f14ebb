import { pgErrorCode } from '../lib/errors.js';

/**
 * What a database failure may say about itself in a log or an answer. Drizzle wraps a failing
 * statement in DrizzleQueryError, whose message and stack carry every parameter ("params: …": argon2
 * hashes, e-mails, tokens), and PostgreSQL's own `detail` quotes values ("Key (email)=(…) already
 * exists"). ARCHITECTURE rule 9: a log keeps the statement and the SQLSTATE, never a value.
 */

/** SQLSTATE classes and driver errors that mean "the database is not there right now", not "this request is wrong". */
const UNAVAILABLE_CODES = /^(08...|57P0[1-3]|53300)$/;
const UNAVAILABLE_SYSTEM_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Client was closed and is not queryable|the database system is (starting up|shutting down|in recovery mode)|is not currently accepting connections/i;

function* chain(err: unknown) {
  for (let e = err as { cause?: unknown } | undefined, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as typeof e, depth++)
    yield e;
}

/** True when the error comes from losing the database (restart, crash, network), so the answer is 503, not 500. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of chain(err)) {
    const { code: sys, message } = e as { code?: unknown; message?: unknown };
    if (typeof sys === 'string' && UNAVAILABLE_SYSTEM_CODES.has(sys)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  }
  const code = pgErrorCode(err);
  return code !== undefined && UNAVAILABLE_CODES.test(code);
}

/** The statement of a failed drizzle query, if the error is one. */
function statementOf(err: unknown): string | undefined {
  for (const e of chain(err)) {
    const query = (e as { query?: unknown }).query;
    if (typeof query === 'string' && Array.isArray((e as { params?: unknown }).params)) return query;
  }
  return undefined;
}

const isDatabaseError = (err: unknown) => statementOf(err) !== undefined || pgErrorCode(err) !== undefined;

/**
 * The logger's `err` serializer (pino): a database error is logged as its type, statement, SQLSTATE
 * and the names PostgreSQL gives (table, constraint, column), with a stack that has no message;
 * every other error as pino's standard serializer does.
 */
type SerializedError = { type: string; message: string; stack: string; [key: string]: unknown };
export function serializeError(err: Error, standard: (e: Error) => SerializedError): SerializedError {
  if (!(err instanceof Error) || !isDatabaseError(err)) return standard(err);
  const code = pgErrorCode(err);
  const statement = statementOf(err);
  const root = [...chain(err)].at(-1) as Record<string, unknown>;
  const pick = (key: string) => (typeof root[key] === 'string' ? { [key]: root[key] } : {});
  const message = `database error ${code ?? 'without SQLSTATE'}${statement ? ' in a statement' : ''}`;
  return {
    type: err.constructor.name,
    message,
    code,
    ...(statement ? { statement } : {}),
    ...pick('table'),
    ...pick('constraint'),
    ...pick('column'),
    ...pick('routine'),
    // The first stack line repeats the message (with its parameters): only the frames are kept.
    stack: (err.stack ?? '')
      .split('\n')
      .filter((line) => /^\s+at /.test(line))
      .join('\n'),
  };
}
