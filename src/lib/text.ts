/** Text rules shared by every module (skills lists, LIKE patterns). */

/** Trimmed, empty items dropped, repeats (compared case-insensitively) dropped keeping the first spelling. */
export function normalizeSkills(items: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of items) {
    const skill = raw.trim();
    const key = skill.toLowerCase();
    if (!skill || seen.has(key)) continue;
    seen.add(key);
    out.push(skill);
  }
  return out;
}

/** What `skills @> ARRAY[...]` filters compare: skills are matched whole and case-insensitively. */
export const lowerSkills = (skills: readonly string[]) => skills.map((s) => s.toLowerCase());

/** A comma-separated skills filter (SEARCH.md) as the lower-cased skills it asks for. */
export const skillsFilter = (value: string | undefined) => lowerSkills(normalizeSkills((value ?? '').split(',')));

/** LIKE pattern matching `term` as a literal substring (%, _ and \ are ordinary characters, never wildcards). */
export const containsPattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
