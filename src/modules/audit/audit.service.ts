import type { Tx } from '../../db/client.js';
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
