import { lowerSkills } from '../../lib/text.js';
import type { EducationEntry, ExperienceEntry, SocialLinks } from './profiles.tables.js';

// The CSV import reads these from here; their one definition lives in lib/text.ts.
export { normalizeSkills } from '../../lib/text.js';

/** Rules shared by the API, the CSV import and the seed, so every path stores profiles the same way. */
export const MIN_YEAR = 1900;
/** Batch years and education years may lie a few years ahead (current students). */
export const maxYear = () => new Date().getUTCFullYear() + 10;
export const MAX_SKILLS = 50;
export const MAX_SKILL_LENGTH = 60;

export const TEXT_LIMITS = {
  name: 120,
  headline: 200,
  bio: 5000,
  current_company: 200,
  current_role: 200,
  location: 200,
  degree: 120,
  department: 120,
  url: 500,
} as const;

/** Trimmed; an empty string is "no value". */
export const cleanText = (value: string | null | undefined) => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
};

/** What `q` searches: name, headline, company, role and skills, lower-cased, one per line (a token never spans two). */
export const searchTextOf = (p: {
  name: string;
  headline?: string | null;
  current_company?: string | null;
  current_role?: string | null;
  skills?: readonly string[];
}) => [p.name, p.headline, p.current_company, p.current_role, ...(p.skills ?? [])].filter(Boolean).join('\n').toLowerCase();

export const isHttpUrl = (value: string) => {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && Boolean(url.hostname);
  } catch {
    return false;
  }
};

/** Weights of the completion percentage (they add up to 100); docs/profiles.md lists them. */
export const COMPLETION_WEIGHTS = {
  name: 5,
  photo: 10,
  headline: 10,
  bio: 5,
  current_company: 10,
  current_role: 5,
  location: 5,
  batch_year: 5,
  degree: 5,
  department: 5,
  experience_timeline: 10,
  education_details: 5,
  skills: 5,
  achievements: 5,
  social_links: 5,
  cv: 5,
} as const;

export interface CompletionInput {
  name?: string | null;
  photo_key?: string | null;
  headline?: string | null;
  bio?: string | null;
  current_company?: string | null;
  current_role?: string | null;
  location?: string | null;
  batch_year?: number | null;
  degree?: string | null;
  department?: string | null;
  experience_timeline?: readonly ExperienceEntry[] | null;
  education_details?: readonly EducationEntry[] | null;
  skills?: readonly string[] | null;
  achievements?: readonly string[] | null;
  social_links?: SocialLinks | null;
  cv_key?: string | null;
}

/** 0–100: the sum of the weights of the fields that have a value. */
export function completionOf(p: CompletionInput): number {
  const has: Record<keyof typeof COMPLETION_WEIGHTS, boolean> = {
    name: Boolean(p.name),
    photo: Boolean(p.photo_key),
    headline: Boolean(p.headline),
    bio: Boolean(p.bio),
    current_company: Boolean(p.current_company),
    current_role: Boolean(p.current_role),
    location: Boolean(p.location),
    batch_year: p.batch_year !== null && p.batch_year !== undefined,
    degree: Boolean(p.degree),
    department: Boolean(p.department),
    experience_timeline: Boolean(p.experience_timeline?.length),
    education_details: Boolean(p.education_details?.length),
    skills: Boolean(p.skills?.length),
    achievements: Boolean(p.achievements?.length),
    social_links: Object.values(p.social_links ?? {}).some(Boolean),
    cv: Boolean(p.cv_key),
  };
  let total = 0;
  for (const [field, weight] of Object.entries(COMPLETION_WEIGHTS)) if (has[field as keyof typeof has]) total += weight;
  return Math.min(100, total);
}

/** The columns every write path derives from the stored values. */
export const derivedColumns = (p: CompletionInput & { name: string; skills: readonly string[] }) => ({
  skills_lower: lowerSkills(p.skills),
  search_text: searchTextOf(p),
  profile_completion_percentage: completionOf(p),
});
