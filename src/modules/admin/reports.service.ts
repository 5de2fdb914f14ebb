import { stringify } from 'csv-stringify';
import { sql } from 'drizzle-orm';
import { Readable } from 'node:stream';
import type { Actor, AppContext } from '../../lib/context.js';
import { cursorTimestamp } from '../../lib/pagination.js';
import { notFound } from '../../lib/errors.js';
import {
  batchesAnalytics,
  companiesAnalytics,
  engagementAnalytics,
  jobTrendsAnalytics,
  locationsAnalytics,
  skillsAnalytics,
} from './analytics.service.js';

type Cell = string | number | boolean | null | undefined | Date;
type Rows = AsyncIterable<Cell[]> | Iterable<Cell[]>;
interface Report {
  columns: string[];
  rows(ctx: AppContext, actor: Actor): Promise<Rows>;
}

/**
 * A cell a spreadsheet would run as a formula (= + - @, tab, carriage return) gets a leading
 * apostrophe (OWASP "CSV injection"). Numbers stay numbers: only text is neutralized.
 */
export const neutralizeCell = (value: Cell): Cell =>
  typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value instanceof Date ? value.toISOString() : value;

/**
 * A timestamp cell as API.md spells timestamps (ISO 8601, UTC, milliseconds), not PostgreSQL's text
 * form. It takes the column's name as its alias, so ORDER BY names the table's column qualified
 * (an unqualified name would sort by this text, truncated to milliseconds, and break the keyset).
 */
const iso = (column: string) => sql.raw(`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`);

/** Reads a big table in keyset batches, so the export streams in constant memory (`k`: the cursorTimestamp of created_at). */
async function* batches<T extends { id: string; k: string }>(fetch: (after: [string, string] | null) => Promise<T[]>) {
  let after: [string, string] | null = null;
  for (;;) {
    const rows = await fetch(after);
    yield* rows;
    if (rows.length < 1000) return;
    const last = rows[rows.length - 1];
    after = [last.k, last.id];
  }
}

const reports: Record<string, Report> = {
  skills: {
    columns: ['skill', 'people'],
    rows: async (ctx, a) => (await skillsAnalytics(ctx, a, { limit: 1000 })).results.map((r) => [r.value, r.count]),
  },
  companies: {
    columns: ['company', 'people'],
    rows: async (ctx, a) => (await companiesAnalytics(ctx, a, { limit: 1000 })).results.map((r) => [r.value, r.count]),
  },
  batches: {
    columns: ['batch_year', 'alumni'],
    rows: async (ctx, a) => (await batchesAnalytics(ctx, a)).results.map((r) => [r.batch_year, r.count]),
  },
  locations: {
    columns: ['city', 'country', 'latitude', 'longitude', 'people'],
    rows: async (ctx, a) => {
      const data = await locationsAnalytics(ctx, a);
      return [
        ...data.results.map((r) => [r.city, r.country, r.latitude, r.longitude, r.count]),
        ['(unknown or ambiguous)', null, null, null, data.unknown],
      ];
    },
  },
  'job-trends': {
    columns: ['month', 'jobs_posted'],
    rows: async (ctx) => (await jobTrendsAnalytics(ctx, { months: 24 })).by_month.map((r) => [r.month, r.count]),
  },
  engagement: {
    columns: ['day', 'active_users'],
    rows: async (ctx, a) => (await engagementAnalytics(ctx, a, { days: 90 })).daily.map((r) => [r.day, r.count]),
  },
  users: {
    columns: ['id', 'email', 'name', 'role', 'status', 'email_verified', 'last_login_at', 'created_at'],
    rows: async (ctx) =>
      mapRows(
        batches(async (after) => {
          const { rows } = await ctx.db.execute<Record<string, any> & { id: string; k: string }>(sql`
            SELECT id, email, name, role, status, is_verified, ${iso('last_login_at')}, ${iso('created_at')}, ${cursorTimestamp(sql`created_at`)} AS k FROM users
            ${after ? sql`WHERE (created_at, id) > (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}
            ORDER BY users.created_at, users.id LIMIT 1000`);
          return rows;
        }),
        (r) => [r.id, r.email, r.name, r.role, r.status, r.is_verified, r.last_login_at, r.created_at],
      ),
  },
  'audit-log': {
    columns: ['id', 'created_at', 'admin_id', 'action_type', 'target_type', 'target_id', 'description', 'ip'],
    rows: async (ctx) =>
      mapRows(
        batches(async (after) => {
          const { rows } = await ctx.db.execute<Record<string, any> & { id: string; k: string }>(sql`
            SELECT id, ${iso('created_at')}, admin_id, action_type, target_type, target_id, description, ip, ${cursorTimestamp(sql`created_at`)} AS k FROM audit_log
            ${after ? sql`WHERE (created_at, id) > (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}
            ORDER BY audit_log.created_at, audit_log.id LIMIT 1000`);
          return rows;
        }),
        (r) => [r.id, r.created_at, r.admin_id, r.action_type, r.target_type, r.target_id, r.description, r.ip],
      ),
  },
};

async function* mapRows<T>(rows: AsyncIterable<T>, fn: (row: T) => Cell[]) {
  for await (const row of rows) yield fn(row);
}

export const reportNames = Object.keys(reports);

/** GET /api/admin/reports/{name}.csv: a header row, then the rows, streamed through csv-stringify. */
export async function reportStream(ctx: AppContext, actor: Actor, name: string): Promise<Readable> {
  const report = reports[name];
  if (!report) throw notFound('Report');
  const rows = await report.rows(ctx, actor);
  const csv = stringify({ header: true, columns: report.columns, cast: { boolean: (v) => (v ? 'true' : 'false') } });
  const source = Readable.from(
    (async function* () {
      for await (const row of rows) yield row.map(neutralizeCell);
    })(),
  );
  source.on('error', (err) => csv.destroy(err));
  return source.pipe(csv);
}
