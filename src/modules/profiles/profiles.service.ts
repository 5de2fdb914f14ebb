import { and, desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { Actor, AppContext } from '../../lib/context.js';
import { badRequest, conflict, forbidden, notFound } from '../../lib/errors.js';
import type { Upload } from '../../lib/uploads.js';
import { recordAudit } from '../audit/audit.service.js';
import { users } from '../auth/auth.tables.js';
import { signedFileUrl, storeUpload } from '../files/files.service.js';
import { prepared } from '../../lib/prepared.js';
import { getSetting } from '../admin/settings.service.js';
import { bumpProfilesGeneration } from './profiles.cache.js';
import { normalizeSkills } from '../../lib/text.js';
import { MAX_SKILLS, MIN_YEAR, cleanText, derivedColumns, isHttpUrl, maxYear } from './profiles.rules.js';
import type { ProfileInput } from './profiles.schemas.js';
import { profileVerificationRequests, profiles, type SocialLinks } from './profiles.tables.js';

export type ProfileRow = typeof profiles.$inferSelect;
type Owner = { email: string; role: string; status: string };
type Viewer = Pick<Actor, 'id' | 'role'>;

const isPrivileged = (viewer: Viewer, userId: string) => viewer.id === userId || viewer.role === 'admin';

/** Hidden profiles and deleted or suspended accounts (decision 090) exist only for their owner and admins. */
const canSee = (viewer: Viewer, row: ProfileRow, owner: Owner) =>
  isPrivileged(viewer, row.user_id) || (row.directory_visible && owner.status === 'active');

/** The wire view of a profile for this viewer: contact details and CV only for those allowed. */
export function toProfileView(ctx: AppContext, row: ProfileRow, owner: Owner, viewer: Viewer, rejectionReason: string | null = null) {
  const privileged = isPrivileged(viewer, row.user_id);
  const contact = privileged || row.contact_visibility === 'members';
  const { photo_key, cv_key, skills_lower: _sl, search_text: _st, ...rest } = row;
  return {
    ...rest,
    role: owner.role,
    email: contact ? owner.email : null,
    social_links: contact ? row.social_links : null,
    photo_url: signedFileUrl(ctx, photo_key),
    cv_url: privileged ? signedFileUrl(ctx, cv_key) : null,
    rejection_reason: privileged && row.verification_status === 'rejected' ? rejectionReason : null,
  };
}

const withOwner = (db: Tx) =>
  db
    .select({ profile: profiles, email: users.email, role: users.role, status: users.status })
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.user_id));

/** GET /api/profiles/{user_id}'s one statement (the bench's floor runs the same: bench/profiles.bench.ts). */
export const profileWithOwnerStatement = (db: Tx) => withOwner(db).where(eq(profiles.user_id, sql.placeholder('userId')));

/** A profile with its owner's account fields; `lock` (inside a write's transaction) locks the profile row. */
async function loadWithOwner(ctx: AppContext, db: Tx, userId: string, lock = false) {
  if (lock) return (await withOwner(db).where(eq(profiles.user_id, userId)).for('update', { of: profiles }))[0];
  if (db !== ctx.db) return (await withOwner(db).where(eq(profiles.user_id, userId)))[0];
  // Plain reads outside a transaction (every GET /api/profiles/{id}) run as a prepared statement.
  const statement = prepared(ctx, 'profile-with-owner', (base) => profileWithOwnerStatement(base).prepare('profile-with-owner'));
  return (await statement.execute({ userId }))[0];
}

async function lastRejectionReason(db: Tx, userId: string) {
  const [row] = await db
    .select({ reason: profileVerificationRequests.reason })
    .from(profileVerificationRequests)
    .where(and(eq(profileVerificationRequests.user_id, userId), eq(profileVerificationRequests.status, 'rejected')))
    .orderBy(desc(profileVerificationRequests.decided_at))
    .limit(1);
  return row?.reason ?? null;
}

export async function viewOf(ctx: AppContext, db: Tx, userId: string, viewer: Viewer) {
  const row = await loadWithOwner(ctx, db, userId);
  if (!row || !canSee(viewer, row.profile, row)) throw notFound('Profile');
  const reason =
    row.profile.verification_status === 'rejected' && isPrivileged(viewer, userId) ? await lastRejectionReason(db, userId) : null;
  return toProfileView(ctx, row.profile, row, viewer, reason);
}

export const getProfile = (ctx: AppContext, actor: Actor, userId: string) => viewOf(ctx, ctx.db, userId, actor);
export const getMyProfile = (ctx: AppContext, actor: Actor) => viewOf(ctx, ctx.db, actor.id, actor);

// ---- writes ------------------------------------------------------------------------------------

type Editable = Omit<
  ProfileRow,
  | 'user_id'
  | 'photo_key'
  | 'cv_key'
  | 'skills_lower'
  | 'search_text'
  | 'profile_completion_percentage'
  | 'is_verified'
  | 'verification_status'
  | 'verified_by'
  | 'verified_at'
  | 'created_at'
  | 'updated_at'
>;

const yearInRange = (year: number) => year >= MIN_YEAR && year <= maxYear();
const yearOf = (date: string) => Number(date.slice(0, 4));

/** Trims, normalizes and checks what the schema cannot (cross-field rules); returns only the sent fields. */
function normalizeInput(input: ProfileInput): Partial<Editable> {
  const out: Partial<Editable> = {};
  if (input.name !== undefined) out.name = input.name.trim();
  for (const key of ['headline', 'bio', 'current_company', 'current_role', 'location', 'degree', 'department'] as const) {
    if (input[key] !== undefined) out[key] = cleanText(input[key]);
  }
  if (input.batch_year !== undefined) out.batch_year = input.batch_year;
  if (input.experience_timeline) {
    out.experience_timeline = input.experience_timeline.map((e, i) => {
      const field = `experience_timeline.${i}`;
      if (!yearInRange(yearOf(e.start_date))) throw badRequest(`${field}.start_date`, `must be between ${MIN_YEAR} and ${maxYear()}`);
      if (e.end_date && !yearInRange(yearOf(e.end_date)))
        throw badRequest(`${field}.end_date`, `must be between ${MIN_YEAR} and ${maxYear()}`);
      if (e.end_date && e.end_date < e.start_date) throw badRequest(`${field}.end_date`, 'must not be before start_date');
      return {
        company: e.company.trim(),
        role: e.role.trim(),
        location: cleanText(e.location),
        start_date: e.start_date,
        end_date: e.end_date ?? null,
        description: cleanText(e.description),
      };
    });
  }
  if (input.education_details) {
    out.education_details = input.education_details.map((e, i) => {
      if (e.start_year && e.end_year && e.end_year < e.start_year)
        throw badRequest(`education_details.${i}.end_year`, 'must not be before start_year');
      return {
        institution: e.institution.trim(),
        degree: cleanText(e.degree),
        field: cleanText(e.field),
        start_year: e.start_year ?? null,
        end_year: e.end_year ?? null,
      };
    });
  }
  if (input.skills) {
    const skills = normalizeSkills(input.skills);
    if (skills.length > MAX_SKILLS) throw badRequest('skills', `must hold at most ${MAX_SKILLS} distinct skills`);
    out.skills = skills;
  }
  if (input.achievements) out.achievements = input.achievements.map((a) => a.trim()).filter(Boolean);
  if (input.social_links) {
    const links: SocialLinks = {};
    for (const [key, value] of Object.entries(input.social_links)) {
      const url = cleanText(value);
      if (url && !isHttpUrl(url)) throw badRequest(`social_links.${key}`, 'must be an http(s) URL');
      if (url) links[key as keyof SocialLinks] = url;
    }
    out.social_links = links;
  }
  if (input.directory_visible !== undefined) out.directory_visible = input.directory_visible;
  if (input.contact_visibility !== undefined) out.contact_visibility = input.contact_visibility as ProfileRow['contact_visibility'];
  if (out.name === '') throw badRequest('name', 'must not be blank');
  return out;
}

/** The account's name, the default name of a new profile (the actor carries only id and role). */
const accountName = async (tx: Tx, userId: string) =>
  (await tx.select({ name: users.name }).from(users).where(eq(users.id, userId)))[0]?.name ?? '';

const withDerived = <T extends Parameters<typeof derivedColumns>[0]>(p: T) => ({ ...p, ...derivedColumns(p) });

/**
 * A new profile's visibility when its owner has not chosen one: the admin setting (read from the
 * instance's copy). Every way a profile is created takes it: the API, a first upload, the alumni
 * import and the seed (decision 111).
 */
export const defaultVisibility = async (ctx: AppContext) => (await getSetting(ctx, 'default_profile_visibility')) === 'listed';

export async function createProfile(ctx: AppContext, actor: Actor, input: ProfileInput) {
  const fields = { directory_visible: await defaultVisibility(ctx), ...normalizeInput(input) };
  const view = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(profiles)
      .values(withDerived({ skills: [], ...fields, name: fields.name ?? (await accountName(tx, actor.id)), user_id: actor.id }))
      .onConflictDoNothing()
      .returning({ user_id: profiles.user_id });
    if (!inserted) throw conflict('You already have a profile; update it with PUT /api/profiles/{user_id}');
    return viewOf(ctx, tx, actor.id, actor);
  });
  await bumpProfilesGeneration(ctx);
  return view;
}

/** The facts an admin verified: changing one of them puts a verified profile back to pending. */
const VERIFIED_FACTS = ['current_company', 'batch_year', 'degree'] as const;

export async function updateProfile(ctx: AppContext, actor: Actor, userId: string, input: ProfileInput) {
  const view = await ctx.db.transaction(async (tx) => {
    const current = await loadWithOwner(ctx, tx, userId, true);
    if (!current || !canSee(actor, current.profile, current)) throw notFound('Profile');
    if (actor.id !== userId) throw forbidden('Only the owner edits a profile');
    const fields = normalizeInput(input);
    const next = { ...current.profile, ...fields };
    const factsChanged = VERIFIED_FACTS.some((k) => next[k] !== current.profile[k]);
    const reverify = current.profile.verification_status === 'verified' && factsChanged;
    await tx
      .update(profiles)
      .set({
        ...fields,
        ...derivedColumns(next),
        ...(reverify ? { verification_status: 'pending' as const, is_verified: false, verified_by: null, verified_at: null } : {}),
        updated_at: new Date(),
      })
      .where(eq(profiles.user_id, userId));
    if (reverify) await tx.insert(profileVerificationRequests).values({ user_id: userId, source: 'facts_changed' });
    return viewOf(ctx, tx, userId, actor);
  });
  await bumpProfilesGeneration(ctx);
  return view;
}

export async function deleteProfile(ctx: AppContext, admin: Actor, userId: string, ip?: string) {
  const deleted = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(profiles)
      .where(eq(profiles.user_id, userId))
      .returning({ photo_key: profiles.photo_key, cv_key: profiles.cv_key });
    if (row) {
      await recordAudit(tx, {
        adminId: admin.id,
        actionType: 'profile.delete',
        targetType: 'user',
        targetId: userId,
        description: 'Deleted a profile',
        ip,
      });
    }
    return row;
  });
  if (!deleted) throw notFound('Profile');
  await bumpProfilesGeneration(ctx);
  await removeStoredFiles(ctx, [deleted.photo_key, deleted.cv_key]);
}

async function removeStoredFiles(ctx: AppContext, keys: (string | null)[]) {
  for (const key of keys) {
    if (key) await ctx.storage.delete(key).catch((err) => ctx.log.warn({ err, key }, 'could not delete a stored file'));
  }
}

/** Creates the caller's profile with defaults if they have none yet (an upload may come first). */
async function ensureProfile(ctx: AppContext, tx: Tx, actor: Actor) {
  await tx
    .insert(profiles)
    .values(
      withDerived({
        user_id: actor.id,
        name: await accountName(tx, actor.id),
        skills: [],
        directory_visible: await defaultVisibility(ctx),
      }),
    )
    .onConflictDoNothing();
}

/** Stores a CV or photo under a server-generated key, points the profile at it, and removes the old file. */
export async function attachProfileFile(ctx: AppContext, actor: Actor, kind: 'cv' | 'photo', upload: Upload) {
  const key = await storeUpload(ctx, kind === 'cv' ? 'cvs' : 'photos', upload);
  const column = kind === 'cv' ? 'cv_key' : 'photo_key';
  let previous: string | null = null;
  try {
    const view = await ctx.db.transaction(async (tx) => {
      await ensureProfile(ctx, tx, actor);
      const current = (await loadWithOwner(ctx, tx, actor.id, true))!;
      previous = current.profile[column];
      const next = { ...current.profile, [column]: key };
      await tx
        .update(profiles)
        .set({ [column]: key, profile_completion_percentage: derivedColumns(next).profile_completion_percentage, updated_at: new Date() })
        .where(eq(profiles.user_id, actor.id));
      return viewOf(ctx, tx, actor.id, actor);
    });
    await removeStoredFiles(ctx, [previous]);
    await bumpProfilesGeneration(ctx);
    return view;
  } catch (err) {
    await removeStoredFiles(ctx, [key]);
    throw err;
  }
}

/** Used by the verification workflow to update status columns. */
export const setVerificationColumns = (
  tx: Tx,
  userId: string,
  values: Partial<Pick<ProfileRow, 'verification_status' | 'is_verified' | 'verified_by' | 'verified_at'>>,
) =>
  tx
    .update(profiles)
    .set({ ...values, updated_at: sql`now()` })
    .where(eq(profiles.user_id, userId));

export { loadWithOwner };
