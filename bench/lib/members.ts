/** bench: Members: accounts written straight into `users` (registering through the API would need the e-mailed code), signed in over HTTP */
import { inParallel, login } from './http.js';
import { MEMBER_PASSWORD } from './settings.js';
import type { Target } from './targets.js';

let memberHash: Promise<string> | undefined;
/** One argon2 hash of MEMBER_PASSWORD per run (Cohort's own hashPassword, so its login verifies it). */
export const memberPasswordHash = () =>
  (memberHash ??= import('../../src/modules/auth/auth.password.js').then(({ hashPassword }) => hashPassword(MEMBER_PASSWORD)));

/**
 * A verified account of `role` with a password, written straight into `users`, then signed in over
 * HTTP. Returns its access token and id.
 */
export async function benchUser(target: Target, role: 'alumni' | 'recruiter' | 'student', password = 'Bench-user-password-42') {
  const email = `bench-${role}@example.com`;
  const { hashPassword } = await import('../../src/modules/auth/auth.password.js');
  await target.query(
    `INSERT INTO users (email, name, role, password_hash, is_verified) VALUES ($1, $2, $3, $4, true)
     ON CONFLICT ((lower(email))) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role, is_verified = true, status = 'active'`,
    [email, `Bench ${role[0].toUpperCase()}${role.slice(1)}`, role, await hashPassword(password)],
  );
  const token = await login(target.cohort.url, email, password);
  const { rows } = await target.query<{ id: string }>('SELECT id FROM users WHERE lower(email) = $1', [email]);
  return { token, id: rows[0].id, email };
}

/** The e-mail of member `n` (from 1) of a scenario's `prefix`; a LIKE on `memberEmailLike(prefix)` finds them all. */
export const memberEmail = (prefix: string, n: number) => `${prefix}-${n}@bench.example.com`;
export const memberEmailLike = (prefix: string) => `${prefix}-%@bench.example.com`;

/**
 * `count` verified members `${prefix}-1…count@bench.example.com` with MEMBER_PASSWORD, member g
 * having role `roles[g % roles.length]`, in one statement. Returns their ids in order.
 */
export async function insertMembers(target: Target, prefix: string, count: number, roles: readonly string[] = ['alumni']) {
  const { rows } = await target.query<{ id: string }>(
    `INSERT INTO users (email, name, role, password_hash, is_verified)
     SELECT $1 || '-' || g || '@bench.example.com', 'Bench Member ' || g, ($2::text[])[1 + g % cardinality($2::text[])], $3, true
       FROM generate_series(1, $4::int) g ORDER BY g RETURNING id`,
    [prefix, roles, await memberPasswordHash(), count],
  );
  return rows.map((r) => r.id);
}

/** Signs in each of `emails` (MEMBER_PASSWORD) on `base`, 8 at a time: one argon2 verification each. Tokens in order. */
export async function loginAll(base: string, emails: string[], password = MEMBER_PASSWORD) {
  const tokens: string[] = new Array(emails.length);
  await inParallel(emails.length, 8, async (i) => {
    tokens[i] = await login(base, emails[i], password);
  });
  return tokens;
}

/** Signs in `count` members of `prefix` on the target's Cohort, from member `first` on. Tokens in order. */
export const loginMembers = (target: Target, prefix: string, count: number, first = 1) =>
  loginAll(
    target.cohort.url,
    Array.from({ length: count }, (_, i) => memberEmail(prefix, first + i)),
  );
