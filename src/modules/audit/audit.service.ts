import { and, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { AppContext } from '../../lib/context.js';
import { badRequest } from '../../lib/errors.js';
import { toPage } from '../../lib/pagination.js';
import { auditLog } from './audit.tables.js';

export interface AuditEntry {
  /** The admin who acted; null for the CLI and start-up. */
  adminId: string | null;
  /** `<area>.<verb>`, e.g. `profile.verify`, `user.suspend`, `content.moderate`, `settings.update`. */
  actionType: string;
  targetType: string;
  targetId?: string | null;
  description: string;
  /** What changed (never secrets or password hashes). */
  metadata?: Record<string, unknown>;
  ip?: string | null;
}

/**
 * The one way to record an admin write. Call it with the write's own transaction, so the entry
 * exists exactly when the write committed.
 */
export async function recordAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    admin_id: entry.adminId,
    action_type: entry.actionType,
    target_type: entry.targetType,
    target_id: entry.targetId ?? null,
    description: entry.description,
    metadata: entry.metadata ?? {},
    ip: entry.ip ?? null,
  });
}

export interface AuditQuery {
  limit: number;
  cursor?: string;
  admin_id?: string;
  action_type?: string;
  target_type?: string;
  target_id?: string;
  from?: string;
  to?: string;
}

const CURSOR_TAG = 'audit';

/** GET /api/admin/audit-log: newest first, keyset (created_at, id) with the filters in one WHERE. */
export async function listAuditLog(ctx: AppContext, query: AuditQuery) {
  const key = ctx.cursors.decode(query.cursor);
  if (key && (key[0] !== CURSOR_TAG || typeof key[1] !== 'string' || typeof key[2] !== 'string' || Number.isNaN(Date.parse(key[1])))) {
    throw badRequest('cursor', 'is not a cursor issued for this list');
  }
  if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to)) throw badRequest('from', 'must not be after to');
  const where: SQL[] = [];
  if (query.admin_id) where.push(eq(auditLog.admin_id, query.admin_id));
  if (query.action_type) where.push(eq(auditLog.action_type, query.action_type));
  if (query.target_type) where.push(eq(auditLog.target_type, query.target_type));
  if (query.target_id) where.push(eq(auditLog.target_id, query.target_id));
  if (query.from) where.push(sql`${auditLog.created_at} >= ${query.from}::timestamptz`);
  if (query.to) where.push(sql`${auditLog.created_at} <= ${query.to}::timestamptz`);
  if (key) where.push(sql`(${auditLog.created_at}, ${auditLog.id}) < (${key[1]}::timestamptz, ${key[2]}::uuid)`);
  const rows = await ctx.db
    .select({
      ...getTableColumns(auditLog),
      // Microsecond precision for the cursor (a JS Date keeps milliseconds only).
      created_at_text: sql<string>`to_char(${auditLog.created_at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.created_at), desc(auditLog.id))
    .limit(query.limit + 1);
  return toPage(rows, query.limit, ctx.cursors, (r) => [CURSOR_TAG, r.created_at_text, r.id]);
}
