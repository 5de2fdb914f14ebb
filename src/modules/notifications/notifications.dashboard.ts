import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { notificationBroadcasts, notifications } from './notifications.tables.js';

/**
 * The admin dashboard's notification figures, shaped like `MetricSource` / `ChartSeries` of
 * src/modules/admin/dashboard.service.ts (structurally, so this module does not depend on admin).
 * Registering them there is one entry in each list (left to the admin console's owner: that file
 * is being changed in parallel). One statement: one pass over notifications (the dashboard caches
 * it for a few seconds), the broadcasts counted in a sub-select.
 */
export const notificationsMetricSource = {
  module: 'notifications',
  async figures(db: Db) {
    const recent = sql`created_at > now() - interval '30 days'`;
    const { rows } = await db.execute<{
      total: number;
      recent: number;
      unread: number;
      unread_recent: number;
      broadcasts: number;
      broadcasts_recent: number;
    }>(sql`
      SELECT count(*)::int AS total,
        count(*) FILTER (WHERE ${recent})::int AS recent,
        count(*) FILTER (WHERE NOT is_read)::int AS unread,
        count(*) FILTER (WHERE NOT is_read AND ${recent})::int AS unread_recent,
        (SELECT count(*)::int FROM ${notificationBroadcasts}) AS broadcasts,
        (SELECT count(*)::int FROM ${notificationBroadcasts} WHERE ${recent}) AS broadcasts_recent
      FROM ${notifications}`);
    const r = rows[0]!;
    return [
      { name: 'notifications.total', label: 'Notifications', total: r.total, change_30d: r.recent },
      { name: 'notifications.unread', label: 'Unread notifications', total: r.unread, change_30d: r.unread_recent },
      { name: 'notifications.broadcasts', label: 'Announcements', total: r.broadcasts, change_30d: r.broadcasts_recent },
    ];
  },
};

export const notificationsChartSeries = {
  name: 'notifications',
  label: 'Notifications',
  source: sql`SELECT created_at AS at FROM notifications`,
};
