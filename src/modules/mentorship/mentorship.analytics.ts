import { sql } from 'drizzle-orm';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../lib/context.js';
import { Nullable } from '../../lib/schemas.js';

export const MentorshipStatsSchema = Type.Object(
  {
    mentors: Type.Object({ total: Type.Integer(), available: Type.Integer() }),
    requests: Type.Object({
      total: Type.Integer(),
      pending: Type.Integer(),
      accepted: Type.Integer(),
      rejected: Type.Integer(),
      expired: Type.Integer(),
    }),
    acceptance_rate: Nullable(Type.Number({ description: 'accepted / (accepted + rejected); null before any answer' })),
    median_time_to_answer_seconds: Nullable(Type.Integer({ description: 'From request to accept or reject' })),
    active_mentorships: Type.Integer(),
    sessions: Type.Object({
      total: Type.Integer(),
      scheduled: Type.Integer(),
      completed: Type.Integer(),
      cancelled: Type.Integer(),
    }),
    average_rating: Nullable(Type.Number({ description: 'Mean of all session ratings, two decimals' })),
    ratings_count: Type.Integer(),
  },
  { title: 'MentorshipStats' },
);

/** Programme-wide figures for admins and faculty; every number is one SQL aggregate. */
export async function mentorshipStats(ctx: AppContext) {
  const { rows } = await ctx.db.execute<Record<string, number | null>>(sql`
    SELECT
      (SELECT count(*) FROM mentor_profiles)::int AS mentors,
      (SELECT count(*) FROM mentor_profiles WHERE is_available)::int AS available,
      r.total, r.pending, r.accepted, r.rejected, r.expired, r.median_seconds,
      (SELECT count(*) FROM mentorships WHERE status = 'active')::int AS active_mentorships,
      s.total AS sessions, s.scheduled, s.completed, s.cancelled, s.average_rating, s.ratings_count
    FROM (
      SELECT count(*)::int AS total,
        count(*) FILTER (WHERE status = 'pending')::int AS pending,
        count(*) FILTER (WHERE status = 'accepted')::int AS accepted,
        count(*) FILTER (WHERE status = 'rejected')::int AS rejected,
        count(*) FILTER (WHERE status = 'expired')::int AS expired,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM coalesce(accepted_at, rejected_at) - requested_at)::float8)
          FILTER (WHERE status IN ('accepted', 'rejected')) AS median_seconds
      FROM mentorship_requests
    ) r, (
      SELECT count(*)::int AS total,
        count(*) FILTER (WHERE status = 'scheduled')::int AS scheduled,
        count(*) FILTER (WHERE status = 'completed')::int AS completed,
        count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
        round(avg(rating), 2)::float8 AS average_rating,
        count(rating)::int AS ratings_count
      FROM mentorship_sessions
    ) s`);
  const f = rows[0] as Record<string, number>;
  const answered = f.accepted + f.rejected;
  return {
    mentors: { total: f.mentors, available: f.available },
    requests: { total: f.total, pending: f.pending, accepted: f.accepted, rejected: f.rejected, expired: f.expired },
    acceptance_rate: answered ? Math.round((f.accepted / answered) * 10_000) / 10_000 : null,
    median_time_to_answer_seconds: f.median_seconds === null ? null : Math.round(f.median_seconds),
    active_mentorships: f.active_mentorships,
    sessions: { total: f.sessions, scheduled: f.scheduled, completed: f.completed, cancelled: f.cancelled },
    average_rating: f.average_rating,
    ratings_count: f.ratings_count,
  };
}
