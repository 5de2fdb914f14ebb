/** The alumni CSV's columns and rows: what a line becomes before it is written (SEARCH.md "What the import stores"). */
import type { Role } from '../../lib/schemas.js';
import {
  MAX_SKILLS,
  MAX_SKILL_LENGTH,
  MIN_YEAR,
  TEXT_LIMITS,
  cleanText,
  derivedColumns,
  isHttpUrl,
  maxYear,
  normalizeSkills,
} from './profiles.rules.js';

export const KNOWN_COLUMNS = [
  'email',
  'name',
  'role',
  'batch_year',
  'degree',
  'department',
  'current_company',
  'current_role',
  'location',
  'skills',
  'headline',
  'bio',
  'linkedin_url',
] as const;
export type Column = (typeof KNOWN_COLUMNS)[number];
/** Profile columns each CSV column writes; an absent column leaves the stored value alone. */
export const PROFILE_COLUMNS: Partial<Record<Column, string[]>> = {
  name: ['name'],
  batch_year: ['batch_year'],
  degree: ['degree'],
  department: ['department'],
  current_company: ['current_company'],
  current_role: ['current_role'],
  location: ['location'],
  skills: ['skills', 'skills_lower'],
  headline: ['headline'],
  bio: ['bio'],
};
/**
 * An import creates or updates alumni, and students when the role column says so; never staff or
 * recruiter accounts (an admin found in search as an imported alumnus was the bug).
 */
export const IMPORTABLE_ROLES: readonly Role[] = ['alumni', 'student'];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface ImportRow {
  line: number;
  email: string;
  name: string;
  role: Role;
  batch_year: number | null;
  degree: string | null;
  department: string | null;
  current_company: string | null;
  current_role: string | null;
  location: string | null;
  skills: string[];
  skills_lower: string[];
  headline: string | null;
  bio: string | null;
  linkedin: string | null;
  search_text: string;
  profile_completion_percentage: number;
}

export class RowError extends Error {}

function textField(record: Record<string, string | undefined>, column: Column, max: number) {
  const value = cleanText(record[column]);
  if (value && value.length > max) throw new RowError(`${column} is longer than ${max} characters`);
  return value;
}

/** SEARCH.md "What the import stores": trimmed, empty is no value, e-mail lower-cased, skills split on ';'. */
export function toRow(record: Record<string, string | undefined>, line: number): ImportRow {
  // PostgreSQL text cannot hold NUL: the row is reported instead of failing its whole batch.
  const nul = Object.entries(record).find(([, value]) => value?.includes('\u0000'));
  if (nul) throw new RowError(`${nul[0]} contains a NUL character`);
  const email = cleanText(record.email)?.toLowerCase();
  if (!email) throw new RowError('email is required');
  if (email.length > 254 || !EMAIL.test(email)) throw new RowError(`email "${email.slice(0, 100)}" is not a valid address`);
  const name = textField(record, 'name', TEXT_LIMITS.name);
  if (!name) throw new RowError('name is required');
  const role = (cleanText(record.role)?.toLowerCase() ?? 'alumni') as Role;
  if (!IMPORTABLE_ROLES.includes(role))
    throw new RowError(`role ${role.slice(0, 20)} cannot be imported (only ${IMPORTABLE_ROLES.join(' or ')})`);
  const yearText = cleanText(record.batch_year);
  let batch_year: number | null = null;
  if (yearText) {
    if (!/^\d{1,4}$/.test(yearText)) throw new RowError(`batch_year "${yearText.slice(0, 20)}" is not a year`);
    batch_year = Number(yearText);
    if (batch_year < MIN_YEAR || batch_year > maxYear()) throw new RowError(`batch_year must be between ${MIN_YEAR} and ${maxYear()}`);
  }
  const skills = normalizeSkills((record.skills ?? '').split(';'));
  if (skills.length > MAX_SKILLS) throw new RowError(`skills holds more than ${MAX_SKILLS} distinct skills`);
  const longSkill = skills.find((s) => s.length > MAX_SKILL_LENGTH);
  if (longSkill) throw new RowError(`skill "${longSkill.slice(0, 20)}…" is longer than ${MAX_SKILL_LENGTH} characters`);
  const linkedin = textField(record, 'linkedin_url', TEXT_LIMITS.url);
  if (linkedin && !isHttpUrl(linkedin)) throw new RowError('linkedin_url must be an http(s) URL');
  const profile = {
    name,
    batch_year,
    degree: textField(record, 'degree', TEXT_LIMITS.degree),
    department: textField(record, 'department', TEXT_LIMITS.department),
    current_company: textField(record, 'current_company', TEXT_LIMITS.current_company),
    current_role: textField(record, 'current_role', TEXT_LIMITS.current_role),
    location: textField(record, 'location', TEXT_LIMITS.location),
    headline: textField(record, 'headline', TEXT_LIMITS.headline),
    bio: textField(record, 'bio', TEXT_LIMITS.bio),
    skills,
    social_links: linkedin ? { linkedin } : {},
  };
  // Derived values as for a new profile; the upsert recomputes them for existing ones.
  return { line, email, role, linkedin, ...profile, ...derivedColumns(profile) };
}
