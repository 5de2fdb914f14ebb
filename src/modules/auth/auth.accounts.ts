import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import type { Role } from '../../lib/schemas.js';

/**
 * Accounts created by someone other than their owner (the alumni import): the auth module owns the
 * users table (ARCHITECTURE rule 5), so other modules go through this function instead of writing it.
 */
export interface ImportedPerson {
  /** Lower-cased. */
  email: string;
  name: string;
  role: Role;
}

export interface ImportedAccount {
  id: string;
  /** The account's role: the requested one when created here, the stored one when it already existed. */
  role: Role;
  created: boolean;
}

/**
 * Creates an account without a password (the owner claims it through forgot-password) for every
 * e-mail that has none; an existing account keeps its role, name and password. Returns each e-mail's
 * account, keyed by the lower-cased e-mail, in one statement inside the caller's transaction.
 */
export async function ensureImportedAccounts(tx: Tx, people: ImportedPerson[]): Promise<Map<string, ImportedAccount>> {
  if (!people.length) return new Map();
  const input = JSON.stringify(people);
  const { rows } = await tx.execute<{ id: string; email: string; role: Role; created: boolean }>(sql`
    WITH input AS (SELECT * FROM jsonb_to_recordset(${input}::jsonb) AS r(email text, name text, role text)),
    inserted AS (
      INSERT INTO users (email, name, role) SELECT email, name, role FROM input
      WHERE NOT EXISTS (SELECT 1 FROM users u WHERE lower(u.email) = input.email)
      ON CONFLICT ((lower(email))) DO NOTHING RETURNING id, email, role
    )
    SELECT id, email, role, true AS created FROM inserted
    UNION ALL
    SELECT u.id, i.email, u.role, false FROM users u JOIN input i ON lower(u.email) = i.email`);
  return new Map(rows.map((r) => [r.email.toLowerCase(), { id: r.id, role: r.role, created: r.created }]));
}
