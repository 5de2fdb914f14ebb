import { parse, CsvError, type Info } from 'csv-parse';
import { sql } from 'drizzle-orm';
import type { Readable } from 'node:stream';
import type { AppContext } from '../../lib/context.js';
import { badRequest, pgErrorCode } from '../../lib/errors.js';
import { ensureImportedAccounts } from '../auth/auth.accounts.js';
import { recordAudit } from '../audit/audit.service.js';
import { bumpProfilesGeneration } from './profiles.cache.js';
import { JOURNAL_FACETS, foldFacetJournal } from './profiles.facets.js';
import { defaultVisibility } from './profiles.service.js';
import { IMPORTABLE_ROLES, KNOWN_COLUMNS, PROFILE_COLUMNS, RowError, toRow, type Column, type ImportRow } from './profiles.import-rows.js';
import { completionOf, searchTextOf } from './profiles.rules.js';

/**
 * The alumni CSV import of API.md: streamed through csv-parse (memory stays flat in the file size),
 * upserted by lower-cased e-mail in batches of BATCH_SIZE rows, each batch one transaction with
 * one multi-row statement for users and one for profiles. Only changed rows are written
 * (IS DISTINCT FROM), so re-importing a file changes nothing. The batches journal their facet changes,
 * folded into the counts every FOLD_EVERY_ROWS rows and at the end (decision 100).
 */
export interface ImportReport {
  created: number;
  updated: number;
  /** Rows whose values equal what is stored (neither created nor updated). */
  unchanged: number;
  /** Bad rows; each one is listed in errors. */
  skipped: number;
  errors: { line: number; message: string }[];
  /** Header columns the import does not know: ignored. */
  ignored_columns: string[];
}

const BATCH_SIZE = 1000;
/** Batches written concurrently (one connection each). */
const WRITERS = 2;
/** The journalled facet changes are applied after this many written rows, and at the end (decision 100). */
const FOLD_EVERY_ROWS = 100_000;
/** The report lists at most this many errors (skipped still counts every bad row). */
const MAX_REPORTED_ERRORS = 10_000;
export const IMPORT_MAX_BYTES = 200 * 1024 * 1024;

/** Writes one batch (distinct e-mails) in one transaction; returns the counts and the rows refused for their account. */
async function writeBatch(ctx: AppContext, input: ImportRow[], present: Set<Column>, by: ImportActor, visible: boolean) {
  return ctx.db.transaction(async (tx) => {
    // The facet triggers journal this batch's net change instead of applying it (decision 100).
    await tx.execute(JOURNAL_FACETS);
    const accounts = await ensureImportedAccounts(
      tx,
      input.map((r) => ({ email: r.email, name: r.name, role: r.role })),
    );
    // An e-mail of an admin, faculty or recruiter account is not an alumnus to import: reported, not written.
    const refused = input
      .filter((r) => accounts.has(r.email) && !IMPORTABLE_ROLES.includes(accounts.get(r.email)!.role))
      .map((r) => ({
        line: r.line,
        message: `${r.email} belongs to a ${accounts.get(r.email)!.role} account; an import only creates or updates alumni and students`,
      }));
    const rows = input.filter((r) => accounts.has(r.email) && IMPORTABLE_ROLES.includes(accounts.get(r.email)!.role));
    const data = JSON.stringify(rows.map((r) => ({ ...r, user_id: accounts.get(r.email)!.id })));

    const columns = [...present].flatMap((c) => PROFILE_COLUMNS[c] ?? []).map((c) => (c === 'current_role' ? '"current_role"' : c));
    const sets = columns.map((c) => `${c} = excluded.${c}`);
    // "stored differs from new", for the stored row `t` and the new values `n`.
    const differs = (t: string, n: string) => {
      const checks = columns.map((c) => `${t}.${c} IS DISTINCT FROM ${n}.${c}`);
      if (present.has('linkedin_url'))
        checks.push(`${t}.social_links IS DISTINCT FROM ((${t}.social_links - 'linkedin') || ${n}.social_links)`);
      return checks.length ? checks.join(' OR ') : 'false';
    };
    if (present.has('linkedin_url')) sets.push(`social_links = (p.social_links - 'linkedin') || excluded.social_links`);
    const onConflict = sets.length
      ? `DO UPDATE SET ${sets.join(', ')}, updated_at = now() WHERE ${differs('p', 'excluded')}`
      : 'DO NOTHING';
    const { rows: written } = await tx.execute<{ user_id: string; inserted: boolean }>(sql`
      INSERT INTO profiles AS p (user_id, name, headline, bio, current_company, "current_role", location, batch_year,
        degree, department, skills, skills_lower, social_links, search_text, profile_completion_percentage, directory_visible)
      SELECT r.user_id, r.name, r.headline, r.bio, r.current_company, r."current_role", r.location, r.batch_year,
        r.degree, r.department, r.skills, r.skills_lower, r.social_links, r.search_text, r.profile_completion_percentage, ${visible}::boolean
      FROM jsonb_to_recordset(${data}::jsonb) AS r(user_id uuid, name text, headline text, bio text, current_company text,
        "current_role" text, location text, batch_year int, degree text, department text, skills text[], skills_lower text[],
        social_links jsonb, search_text text, profile_completion_percentage int)
      -- Equal rows are left out before the upsert: ON CONFLICT would still lock (and so write) them.
      LEFT JOIN profiles cur ON cur.user_id = r.user_id
      WHERE cur.user_id IS NULL OR ${sql.raw(differs('cur', 'r'))}
      ON CONFLICT (user_id) ${sql.raw(onConflict)}
      RETURNING p.user_id, (p.xmax = 0) AS inserted`);

    // (current_role is a reserved word: always quoted, see SEARCH.md.)
    // An updated profile keeps columns the file does not have (photo, experience, ...): derive again from the stored row.
    const updatedIds = written.filter((r) => !r.inserted).map((r) => r.user_id);
    const stored = updatedIds.length
      ? (await tx.execute<Record<string, any>>(sql`SELECT * FROM profiles WHERE user_id = ANY(${sql.param(updatedIds)}::uuid[])`)).rows
      : [];
    const fixes = stored
      .map((r) => ({ user_id: r.user_id, search_text: searchTextOf(r as any), profile_completion_percentage: completionOf(r), old: r }))
      .filter((f) => f.search_text !== f.old.search_text || f.profile_completion_percentage !== f.old.profile_completion_percentage)
      .map(({ old: _old, ...f }) => f);
    if (fixes.length) {
      await tx.execute(sql`
        UPDATE profiles p SET search_text = f.search_text, profile_completion_percentage = f.profile_completion_percentage
        FROM jsonb_to_recordset(${JSON.stringify(fixes)}::jsonb) AS f(user_id uuid, search_text text, profile_completion_percentage int)
        WHERE p.user_id = f.user_id`);
    }
    const created = written.filter((r) => r.inserted).length;
    if (written.length) {
      // One entry per written batch, in its transaction (a batch that changed nothing wrote nothing).
      await recordAudit(tx, {
        adminId: by.adminId,
        actionType: 'import.alumni',
        targetType: 'import',
        description: `Alumni import (${by.adminId ? 'upload' : 'command line'}): ${created} created, ${written.length - created} updated`,
        metadata: { created, updated: written.length - created, lines: [rows[0]?.line, rows.at(-1)?.line] },
        ip: by.ip,
      });
    }
    return { created, updated: written.length - created, unchanged: rows.length - written.length, refused };
  });
}

/** Streams an alumni CSV (API.md "Alumni import") into users and profiles. */
const ANALYZE_FROM_ROWS = 1000;

/** Who imports, for the audit log: an admin over HTTP, or nobody (adminId null) from the command line. */
export interface ImportActor {
  adminId: string | null;
  ip?: string;
}

export async function importAlumni(ctx: AppContext, input: Readable, by: ImportActor = { adminId: null }): Promise<ImportReport> {
  const report: ImportReport = { created: 0, updated: 0, unchanged: 0, skipped: 0, errors: [], ignored_columns: [] };
  // A created profile takes the admin's default visibility (an updated one keeps its owner's choice).
  const visible = await defaultVisibility(ctx);
  const fail = (line: number, message: string) => {
    report.skipped++;
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ line, message });
  };
  const present = new Set<Column>();
  let headerError: string | undefined;
  const parser = input.pipe(
    parse({
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // A malformed record (bad quoting) is reported and skipped; the rest of the file still goes in.
      skip_records_with_error: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      columns: (header: string[]) => {
        const names = header.map((h) => String(h).trim().toLowerCase());
        const duplicates = names.filter((n, i) => n && names.indexOf(n) !== i);
        const missing = ['email', 'name'].filter((c) => !names.includes(c));
        if (duplicates.length) headerError = `the header repeats ${[...new Set(duplicates)].join(', ')}`;
        else if (missing.length) headerError = `the header has no ${missing.join(' and ')} column`;
        report.ignored_columns = names.filter((n) => !(KNOWN_COLUMNS as readonly string[]).includes(n));
        for (const n of names) if ((KNOWN_COLUMNS as readonly string[]).includes(n)) present.add(n as Column);
        return names.map((n) => ((KNOWN_COLUMNS as readonly string[]).includes(n) ? n : false)) as unknown as string[];
      },
    }),
  );
  input.on('error', (err) => parser.destroy(err));
  const malformed: { lines: number; empty: number; message: string }[] = [];
  parser.on('skip', (err: CsvError & { lines?: number; empty_lines?: number }) => {
    // One record may raise several errors (two stray quotes): report it once.
    if (malformed.at(-1)?.lines === err.lines) return;
    malformed.push({ lines: err.lines ?? 0, empty: err.empty_lines ?? 0, message: `the row is not valid CSV: ${err.message}` });
  });

  // Up to WRITERS batches are written at once (parsing continues meanwhile); batches in flight never
  // share an e-mail, so they cannot conflict, and a repeated e-mail waits for the earlier row's batch.
  let batch: ImportRow[] = [];
  let emails = new Set<string>();
  const running = new Map<Promise<void>, Set<string>>();
  let failure: unknown;
  const settle = async (all: boolean) => {
    while (running.size && (all || running.size >= WRITERS)) await Promise.race(running.keys());
    if (failure) throw failure;
  };
  // A crashed import's committed batches are still in the journal: counted before this one starts.
  await foldFacetJournal(ctx);
  let unfolded = 0;
  const count = (counts: Awaited<ReturnType<typeof writeBatch>>) => {
    unfolded += counts.created + counts.updated;
    report.created += counts.created;
    report.updated += counts.updated;
    report.unchanged += counts.unchanged;
    for (const r of counts.refused) fail(r.line, r.message);
  };
  // A value PostgreSQL refuses (SQLSTATE class 22, data exception, or a CHECK constraint) fails its whole
  // batch: the batch is written again row by row, so only the bad rows are reported and the good ones go in.
  const refusedValue = (err: unknown) => /^(22...|23514)$/.test(pgErrorCode(err) ?? '');
  const writeRows = async (rows: ImportRow[]) => {
    try {
      count(await writeBatch(ctx, rows, present, by, visible));
    } catch (err) {
      if (!refusedValue(err)) throw err;
      if (rows.length === 1) return fail(rows[0].line, `a value was refused by the database (${pgErrorCode(err)})`);
      for (const row of rows) await writeRows([row]);
    }
  };
  const flush = async () => {
    if (!batch.length) return;
    const write: Promise<void> = writeRows(batch)
      .catch((err) => {
        failure ??= err;
      })
      .finally(() => running.delete(write));
    running.set(write, emails);
    batch = [];
    emails = new Set();
    await settle(false);
  };
  const inFlight = (email: string) => emails.has(email) || [...running.values()].some((set) => set.has(email));

  // A record starts on the line after the previous record ended, plus the empty lines skipped in between.
  let previousEnd = 1;
  let previousEmpty = 0;
  // Malformed records are announced (in file order) before the good records after them are read.
  const reportMalformed = (beforeLine: number) => {
    while (malformed.length && malformed[0].lines < beforeLine) {
      const bad = malformed.shift()!;
      fail(previousEnd + 1 + Math.max(0, bad.empty - previousEmpty), bad.message);
      previousEnd = bad.lines;
      previousEmpty = Math.max(previousEmpty, bad.empty);
    }
  };
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: Info & { error?: CsvError; columns: unknown[] };
    }>) {
      if (headerError) break;
      reportMalformed(info.lines);
      const line = previousEnd + 1 + (info.empty_lines - previousEmpty);
      previousEnd = info.lines;
      previousEmpty = info.empty_lines;
      const fields = (info.error as { record?: unknown[] } | undefined)?.record?.length ?? 0;
      if (info.error && fields > info.columns.length) {
        fail(line, `the row has ${fields} fields but the header has ${info.columns.length}`);
        continue;
      }
      if (Object.values(record).every((v) => !v?.trim())) continue; // a row of empty cells is a blank line
      let row: ImportRow;
      try {
        row = toRow(record, line);
      } catch (err) {
        if (err instanceof RowError) fail(line, err.message);
        else throw err;
        continue;
      }
      // The same e-mail twice: the later row wins, applied after the earlier one.
      if (inFlight(row.email)) {
        await flush();
        await settle(true);
      }
      batch.push(row);
      emails.add(row.email);
      if (batch.length >= BATCH_SIZE) await flush();
      if (unfolded >= FOLD_EVERY_ROWS) {
        unfolded = 0;
        await foldFacetJournal(ctx);
      }
    }
    if (headerError) throw badRequest('file', headerError);
    reportMalformed(Infinity);
    await flush();
    await settle(true);
  } catch (err) {
    await settle(true).catch(() => {});
    if (!(err instanceof CsvError)) throw err;
    await flush();
    await settle(true);
    fail((err as CsvError & { lines?: number }).lines ?? previousEnd + 1, `the file is not valid CSV: ${err.message}`);
  } finally {
    // Even when the import fails half-way, what it committed is counted now. (A crash leaves it to the
    // next import or the scheduled fold.)
    if (report.created || report.updated) {
      await foldFacetJournal(ctx);
      await bumpProfilesGeneration(ctx);
    }
  }
  // Fresh statistics after a bulk load: without them the planner guesses that a broad filter
  // (skills=python, 50% of rows) matches a handful and sorts all matches instead of walking the
  // name index, 100× slower until autovacuum gets round to it.
  if (report.created + report.updated >= ANALYZE_FROM_ROWS) await ctx.db.execute(sql`ANALYZE profiles, users`);
  if (!present.has('email') && !headerError) throw badRequest('file', 'is empty (no header row)');
  // Rows refused at write time are reported when their batch commits: the report lists them in file order.
  report.errors.sort((a, b) => a.line - b.line);
  return report;
}
