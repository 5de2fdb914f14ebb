import type pg from 'pg';

/**
 * Counts the statements a piece of work sends through a pool (tests only): every pg client the pool
 * hands out is wrapped once, and a query is recorded while `count(...)` runs. Run counted work alone
 * (one request at a time). The job queue polls on the same pool: its statements (schema pgboss) are
 * not the request's and are left out, as is the background settings refresh (its SQL comment starts
 * with "background:"). (An AsyncLocalStorage scope would be exact, but app.inject runs the request
 * outside the caller's async context.)
 */
const wrapped = Symbol('statement counter');

export interface SentStatement {
  text: string;
  values: unknown[];
}

export function countStatements(pool: pg.Pool) {
  let log: string[] | undefined;
  let sent: SentStatement[] | undefined;
  const wrap = (client: pg.PoolClient) => {
    const c = client as pg.PoolClient & { [wrapped]?: true };
    if (c[wrapped]) return;
    c[wrapped] = true;
    const query = c.query.bind(c) as (...args: unknown[]) => unknown;
    (c as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string; name?: string; values?: unknown[] };
      const text = typeof first === 'string' ? first : (first.text ?? first.name ?? '?');
      if (log && !/\bpgboss\./.test(text) && !text.includes('/* background:')) {
        log.push(text);
        const values = Array.isArray(args[1]) ? args[1] : typeof first === 'string' ? [] : (first.values ?? []);
        sent?.push({ text, values });
      }
      return query(...args);
    };
  };
  pool.on('connect', wrap);
  pool.on('acquire', wrap);
  return {
    /** Runs `work` and returns its result with the statements sent meanwhile (`sent`: with their values, e.g. to EXPLAIN them). */
    async count<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[]; sent: SentStatement[] }> {
      const statements: string[] = [];
      const withValues: SentStatement[] = [];
      log = statements;
      sent = withValues;
      try {
        return { result: await work(), statements, sent: withValues };
      } finally {
        log = undefined;
        sent = undefined;
      }
    },
  };
}
