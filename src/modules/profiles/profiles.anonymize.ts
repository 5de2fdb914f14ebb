import { eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { profiles } from './profiles.tables.js';

/** The name a deleted member's content is shown under. */
export const DELETED_USER_NAME = 'Deleted user';

/**
 * A deleted account's profile (admin soft delete): every personal field cleared, unlisted, named
 * "Deleted user". The row stays so content that points at the person still reads. Returns the
 * storage keys of the photo and CV, to delete after commit.
 */
export async function anonymizeProfile(tx: Tx, userId: string): Promise<string[]> {
  const [before] = await tx
    .select({ photo_key: profiles.photo_key, cv_key: profiles.cv_key })
    .from(profiles)
    .where(eq(profiles.user_id, userId))
    .for('update');
  if (!before) return [];
  await tx
    .update(profiles)
    .set({
      name: DELETED_USER_NAME,
      headline: null,
      bio: null,
      photo_key: null,
      cv_key: null,
      current_company: null,
      current_role: null,
      location: null,
      batch_year: null,
      degree: null,
      department: null,
      experience_timeline: [],
      education_details: [],
      skills: sql`'{}'::text[]`,
      skills_lower: sql`'{}'::text[]`,
      achievements: sql`'{}'::text[]`,
      social_links: {},
      search_text: '',
      directory_visible: false,
      contact_visibility: 'nobody',
      profile_completion_percentage: 0,
      updated_at: sql`now()`,
    })
    .where(eq(profiles.user_id, userId));
  return [before.photo_key, before.cv_key].filter((k): k is string => !!k);
}
