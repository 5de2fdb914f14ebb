import { Type, type Static } from '@sinclair/typebox';
import type { Actor, AppContext } from '../../lib/context.js';
import { Nullable } from '../../lib/schemas.js';

export const ProfileSummarySchema = Type.Object({
  headline: Nullable(Type.String()),
  photo_url: Nullable(Type.String()),
  current_company: Nullable(Type.String()),
  current_role: Nullable(Type.String()),
  batch_year: Nullable(Type.Integer()),
  profile_completion_percentage: Type.Integer(),
  verification_status: Type.String(),
  is_verified: Type.Boolean(),
});

export const MeSchema = Type.Object({ user: Type.Ref('User'), profile: Nullable(ProfileSummarySchema) });

/**
 * Loads a member's profile summary. The profiles module provides it and app.ts passes it in: the
 * profiles module depends on auth (its table references users), so auth importing profiles would be
 * a cycle (docs/decisions/036).
 */
export type ProfileSummaryLoader = (ctx: AppContext, userId: string) => Promise<Static<typeof ProfileSummarySchema> | null>;

export async function getMe(ctx: AppContext, actor: Actor, loadProfileSummary: ProfileSummaryLoader) {
  // The auth plugin has just read the user with the session check; only the profile is left to load.
  return { user: actor, profile: await loadProfileSummary(ctx, actor.id) };
}
