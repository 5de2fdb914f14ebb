import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { AppContext } from '../../lib/context.js';
import { cursorTimestamp, keyset } from '../../lib/pagination.js';
import { parseDateRange } from '../../lib/schemas.js';
import type { AuditQuery } from './audit.schemas.js';
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

const auditList = keyset<{ cursor_ts: string; id: string }>(
  'admin.audit',
  'desc',
  [
    { column: auditLog.created_at, type: 'timestamp' },
    { column: auditLog.id, type: 'uuid' },
  ],
  (row) => [row.cursor_ts, row.id],
);

/** GET /api/admin/audit-log: newest first, keyset (created_at, id) with the filters in one WHERE. */
export async function listAuditLog(ctx: AppContext, query: AuditQuery) {
  const { from, to } = parseDateRange(query);
  const value = (v: string | undefined) => v?.trim() || undefined;
  const where: (SQL | undefined)[] = [];
  const adminId = value(query.admin_id);
  if (adminId) where.push(eq(auditLog.admin_id, adminId.toLowerCase()));
  for (const [column, filter] of [
    [auditLog.action_type, query.action_type],
    [auditLog.target_type, query.target_type],
    [auditLog.target_id, query.target_id],
  ] as const) {
    const v = value(filter);
    if (v) where.push(eq(column, v));
  }
  if (from) where.push(sql`${auditLog.created_at} >= ${from}::timestamptz`);
  if (to) where.push(sql`${auditLog.created_at} <= ${to}::timestamptz`);
  const rows = await ctx.db
    // `timestamp` is the seed's AdminAction field name (same instant as created_at), for clients built from it.
    .select({ ...getTableColumns(auditLog), timestamp: auditLog.created_at, cursor_ts: cursorTimestamp(auditLog.created_at) })
    .from(auditLog)
    .where(and(...where, auditList.after(ctx, query.cursor)))
    .orderBy(auditList.orderBy)
    .limit(query.limit + 1);
  return auditList.page(ctx, rows, query.limit);
}
