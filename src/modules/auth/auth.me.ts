import { Type } from '@sinclair/typebox';
import type { Actor, AppContext } from '../../lib/context.js';
import { Nullable } from '../../lib/schemas.js';
import { profileSummaryOf } from '../profiles/profiles.service.js';

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

export async function getMe(ctx: AppContext, actor: Actor) {
  // The auth plugin has just read the user with the session check; only the profile is left to load.
  return { user: actor, profile: await profileSummaryOf(ctx, actor.id) };
}
