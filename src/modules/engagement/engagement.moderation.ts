import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest, conflict, forbidden, notFound } from '../../lib/errors.js';
import { cursorTimestamp, keyset } from '../../lib/pagination.js';
import { recordAudit } from '../audit/audit.service.js';
import './engagement.events.js';
import { contentTypeOf, visibleItem, type ContentType } from './engagement.registry.js';
import { bumpCounter } from './engagement.service.js';
import { engagementCounters, engagementReports, type ReportReason } from './engagement.tables.js';

/** Reports by this many different members hide an item until an admin decides. */
export const REPORT_HIDE_THRESHOLD = 3;

/**
 * A member reports an item once. The open-report counter moves under its row lock in the same
 * transaction, so simultaneous reports still see the threshold crossed exactly once.
 */
export async function reportContent(
  ctx: AppContext,
  actor: Actor,
  typeName: string,
  id: string,
  input: { reason: ReportReason; text?: string | null },
) {
  const { type, item } = await visibleItem(ctx.db, actor, typeName, id);
  if (item.authorId === actor.id) throw forbidden(`You cannot report your own ${type.label}`);
  return ctx.db.transaction(async (tx) => {
    const [report] = await tx
      .insert(engagementReports)
      .values({ content_type: typeName, content_id: id, reporter_id: actor.id, reason: input.reason, text: input.text?.trim() || null })
      .onConflictDoNothing()
      .returning({
        id: engagementReports.id,
        content_type: engagementReports.content_type,
        content_id: engagementReports.content_id,
        reason: engagementReports.reason,
        text: engagementReports.text,
        status: engagementReports.status,
        created_at: engagementReports.created_at,
      });
    if (!report) throw conflict(`You already reported this ${type.label}`, 'already_reported');
    const counters = await bumpCounter(tx, typeName, id, 'open_reports', 1);
    if (counters.open_reports >= REPORT_HIDE_THRESHOLD && (await type.setHidden(tx, id, true))) {
      await ctx.events.publish(tx, 'engagement.content_moderated', {
        contentType: typeName,
        contentId: id,
        authorId: item.authorId,
        action: 'hidden',
        reason: `Reported by ${counters.open_reports} members`,
        byUserId: null,
      });
    }
    return report;
  });
}

/** Closes every open report of an item and resets its counter (inside the decision's transaction). */
async function resolveReports(tx: Tx, admin: Actor, typeName: string, id: string, status: 'dismissed' | 'actioned') {
  const resolved = await tx
    .update(engagementReports)
    .set({ status, resolved_by: admin.id, resolved_at: sql`now()` })
    .where(and(eq(engagementReports.content_type, typeName), eq(engagementReports.content_id, id), eq(engagementReports.status, 'open')))
    .returning({ id: engagementReports.id });
  await tx
    .update(engagementCounters)
    .set({ open_reports: 0 })
    .where(and(eq(engagementCounters.content_type, typeName), eq(engagementCounters.content_id, id)));
  return resolved.length;
}

const r = engagementReports;
const firstReported = sql`min(${r.created_at})`;
/**
 * The queue is grouped (one entry per item), so its position is compared in HAVING rather than WHERE:
 * `keyset` only builds the row comparison and the ORDER BY, whatever clause holds them.
 */
const flaggedList = keyset<{ first_reported: string; content_type: string; content_id: string }>(
  'moderation.flagged',
  'asc',
  [
    { column: firstReported, type: 'timestamp' },
    { column: r.content_type, type: 'text' },
    { column: r.content_id, type: 'uuid' },
  ],
  (row) => [row.first_reported, row.content_type, row.content_id],
);

/**
 * The moderation queue: items with open reports, one entry per item (count, reasons, the reports,
 * a preview from the item's content type), oldest first report first; keyset pages.
 */
export async function listFlagged(ctx: AppContext, query: { limit: number; cursor?: string; content_type?: string }) {
  const after = flaggedList.after(ctx, query.cursor);
  const typeFilter = query.content_type?.trim();
  if (typeFilter) contentTypeOf(typeFilter, 'content_type');
  const { rows } = await ctx.db.execute<{
    content_type: string;
    content_id: string;
    first_reported: string;
    report_count: number;
    reasons: ReportReason[];
    reports: { reporter_id: string; reason: ReportReason; text: string | null; created_at: string }[];
  }>(sql`
    SELECT ${r.content_type} AS content_type, ${r.content_id} AS content_id, ${cursorTimestamp(firstReported)} AS first_reported,
      count(*)::int AS report_count,
      array_agg(DISTINCT ${r.reason} ORDER BY ${r.reason}) AS reasons,
      json_agg(json_build_object('reporter_id', ${r.reporter_id}, 'reason', ${r.reason}, 'text', ${r.text}, 'created_at', ${r.created_at})
        ORDER BY ${r.created_at}) AS reports
    FROM ${r}
    WHERE ${r.status} = 'open' ${typeFilter ? sql`AND ${r.content_type} = ${typeFilter}` : sql``}
    GROUP BY ${r.content_type}, ${r.content_id}
    ${after ? sql`HAVING ${after}` : sql``}
    ORDER BY ${flaggedList.orderBy}
    LIMIT ${query.limit + 1}`);
  const { results: page, next_cursor } = flaggedList.page(ctx, rows, query.limit);
  const previews = new Map<string, Awaited<ReturnType<ContentType['previews']>>>();
  for (const typeName of new Set(page.map((row) => row.content_type))) {
    const type = contentTypeOf(typeName);
    previews.set(
      typeName,
      await type.previews(
        ctx.db,
        page.filter((row) => row.content_type === typeName).map((row) => row.content_id),
      ),
    );
  }
  return {
    results: page.map((row) => ({
      content_type: row.content_type,
      content_id: row.content_id,
      report_count: row.report_count,
      reasons: row.reasons,
      first_reported_at: new Date(row.first_reported),
      reports: row.reports.map((x) => ({ ...x, created_at: new Date(x.created_at) })),
      preview: previews.get(row.content_type)?.get(row.content_id) ?? null,
    })),
    next_cursor,
  };
}

export interface ModerateInput {
  content_type: string;
  content_id: string;
  action: 'approve' | 'reject';
  reason?: string | null;
  ip?: string;
}

/**
 * An admin's decision. approve: the reports are dismissed and the item shown again. reject: the
 * item is hidden, its reports closed, its author notified. Audited in the same transaction.
 */
export async function moderateContent(ctx: AppContext, admin: Actor, input: ModerateInput) {
  const type = contentTypeOf(input.content_type, 'content_type');
  const reason = input.reason?.trim() || null;
  if (input.action === 'reject' && !reason) throw badRequest('reason', 'is required to reject');
  const item = await type.find(ctx.db, input.content_id);
  if (!item) throw notFound(type.label);
  return ctx.db.transaction(async (tx) => {
    const approve = input.action === 'approve';
    const reports = await resolveReports(tx, admin, type.name, item.id, approve ? 'dismissed' : 'actioned');
    await type.setHidden(tx, item.id, !approve);
    await recordAudit(tx, {
      adminId: admin.id,
      actionType: approve ? 'content.approve' : 'content.reject',
      targetType: type.name,
      targetId: item.id,
      description: `${approve ? 'Approved' : 'Rejected'} a ${type.label}${reason ? `: ${reason}` : ''}`,
      metadata: { reports_resolved: reports, author_id: item.authorId, reason },
      ip: input.ip,
    });
    await ctx.events.publish(tx, 'engagement.content_moderated', {
      contentType: type.name,
      contentId: item.id,
      authorId: item.authorId,
      action: approve ? 'approved' : 'rejected',
      reason,
      byUserId: admin.id,
    });
    return { content_type: type.name, content_id: item.id, action: input.action, is_hidden: !approve, reports_resolved: reports };
  });
}

/** An admin removes an item (soft delete through its content type); its reports close; audited. */
export async function removeContent(ctx: AppContext, admin: Actor, typeName: string, id: string, ip?: string, reason?: string | null) {
  const type = contentTypeOf(typeName);
  const item = await type.find(ctx.db, id);
  if (!item) throw notFound(type.label);
  await ctx.db.transaction(async (tx) => {
    if (!(await type.remove(tx, id))) throw notFound(type.label);
    const reports = await resolveReports(tx, admin, type.name, id, 'actioned');
    await recordAudit(tx, {
      adminId: admin.id,
      actionType: 'content.delete',
      targetType: type.name,
      targetId: id,
      description: `Removed a ${type.label}`,
      metadata: { reports_resolved: reports, author_id: item.authorId },
      ip,
    });
    if (item.authorId !== admin.id) {
      await ctx.events.publish(tx, 'engagement.content_moderated', {
        contentType: type.name,
        contentId: id,
        authorId: item.authorId,
        action: 'removed',
        reason: reason ?? null,
        byUserId: admin.id,
      });
    }
  });
}
