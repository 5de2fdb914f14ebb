import { and, eq, or } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { notFound } from '../../lib/errors.js';
import { cursorTimestamp, keyset } from '../../lib/pagination.js';
import type { CreateGoalBody, UpdateGoalBody } from './mentorship.schemas.js';
import { mentorshipGoals, mentorships } from './mentorship.tables.js';
import { participantMentorship } from './requests.service.js';

const goalColumns = {
  id: mentorshipGoals.id,
  mentorship_id: mentorshipGoals.mentorship_id,
  title: mentorshipGoals.title,
  description: mentorshipGoals.description,
  status: mentorshipGoals.status,
  created_by: mentorshipGoals.created_by,
  achieved_at: mentorshipGoals.achieved_at,
  created_at: mentorshipGoals.created_at,
  updated_at: mentorshipGoals.updated_at,
};

/** A goal of a mentorship the actor takes part in; anyone else reads "not found". */
async function participantGoal(ctx: AppContext, actor: Actor, goalId: string) {
  const [row] = await ctx.db
    .select(goalColumns)
    .from(mentorshipGoals)
    .innerJoin(mentorships, eq(mentorships.id, mentorshipGoals.mentorship_id))
    .where(and(eq(mentorshipGoals.id, goalId), or(eq(mentorships.mentor_id, actor.id), eq(mentorships.student_id, actor.id))));
  if (!row) throw notFound('Goal');
  return row;
}

// Oldest first: the order of mentorship_goals' (mentorship_id, created_at, id) index.
const goalList = keyset<{ cursor_ts: string; id: string }>(
  'mentorship.goals',
  'asc',
  [
    { column: mentorshipGoals.created_at, type: 'timestamp' },
    { column: mentorshipGoals.id, type: 'uuid' },
  ],
  (row) => [row.cursor_ts, row.id],
);

/** The pair's goals, oldest first (both participants; ended mentorships stay readable). */
export async function listGoals(ctx: AppContext, actor: Actor, mentorshipId: string, query: { limit: number; cursor?: string }) {
  await participantMentorship(ctx.db, actor, mentorshipId);
  const rows = await ctx.db
    .select({ ...goalColumns, cursor_ts: cursorTimestamp(mentorshipGoals.created_at) })
    .from(mentorshipGoals)
    .where(and(eq(mentorshipGoals.mentorship_id, mentorshipId), goalList.after(ctx, query.cursor)))
    .orderBy(goalList.orderBy)
    .limit(query.limit + 1);
  const page = goalList.page(ctx, rows, query.limit);
  return { ...page, results: page.results.map(({ cursor_ts: _c, ...goal }) => goal) };
}

export async function createGoal(ctx: AppContext, actor: Actor, mentorshipId: string, input: CreateGoalBody) {
  await participantMentorship(ctx.db, actor, mentorshipId);
  const [goal] = await ctx.db
    .insert(mentorshipGoals)
    .values({
      mentorship_id: mentorshipId,
      title: input.title.trim(),
      description: input.description?.trim() || null,
      created_by: actor.id,
    })
    .returning(goalColumns);
  return goal;
}

export async function updateGoal(ctx: AppContext, actor: Actor, goalId: string, input: UpdateGoalBody) {
  const goal = await participantGoal(ctx, actor, goalId);
  const set: Partial<typeof mentorshipGoals.$inferInsert> = { updated_at: new Date() };
  if (input.title !== undefined) set.title = input.title.trim();
  if (input.description !== undefined) set.description = input.description?.trim() || null;
  if (input.status !== undefined && input.status !== goal.status) {
    set.status = input.status;
    set.achieved_at = input.status === 'achieved' ? new Date() : null;
  }
  const [updated] = await ctx.db.update(mentorshipGoals).set(set).where(eq(mentorshipGoals.id, goalId)).returning(goalColumns);
  return updated;
}

export async function deleteGoal(ctx: AppContext, actor: Actor, goalId: string) {
  await participantGoal(ctx, actor, goalId);
  await ctx.db.delete(mentorshipGoals).where(eq(mentorshipGoals.id, goalId));
}
