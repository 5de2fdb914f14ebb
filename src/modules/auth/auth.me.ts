import { Type } from '@sinclair/typebox';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { unauthenticated } from '../../lib/errors.js';
import { prepared } from '../../lib/prepared.js';
import { Nullable } from '../../lib/schemas.js';
import { signedFileUrl } from '../files/files.service.js';
import { profiles } from '../profiles/profiles.tables.js';
import { users } from './auth.tables.js';

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

/** The account and its profile summary in one statement (the bench's floor runs the same: bench/auth.bench.ts) (authentication read nothing: auth.revocations.ts). */
export const meStatement = (db: Db) =>
  db
    .select({
      user: {
        id: users.id,
        email: users.email,
        name: users.name,
        role: users.role,
        is_verified: users.is_verified,
        status: users.status,
        last_login_at: users.last_login_at,
        created_at: users.created_at,
        updated_at: users.updated_at,
      },
      profile: {
        user_id: profiles.user_id,
        headline: profiles.headline,
        photo_key: profiles.photo_key,
        current_company: profiles.current_company,
        current_role: profiles.current_role,
        batch_year: profiles.batch_year,
        profile_completion_percentage: profiles.profile_completion_percentage,
        verification_status: profiles.verification_status,
        is_verified: profiles.is_verified,
      },
    })
    .from(users)
    .leftJoin(profiles, eq(profiles.user_id, users.id))
    .where(eq(users.id, sql.placeholder('userId')));

export async function getMe(ctx: AppContext, actor: Actor) {
  const [row] = await prepared(ctx, 'auth-me', (db) => meStatement(db).prepare('auth-me')).execute({ userId: actor.id });
  if (!row) throw unauthenticated('The session has ended; sign in again');
  if (!row.profile) return { user: row.user, profile: null };
  const { photo_key, user_id: _id, ...summary } = row.profile;
  return { user: row.user, profile: { ...summary, photo_url: signedFileUrl(ctx, photo_key) } };
}
