/**
 * bench: a floor's list counts, cached per filter set as Cohort caches its list counts
 * (src/lib/cache.ts), for as long as Cohort keeps them. A list load writes nothing, so the floor has
 * nothing to invalidate.
 */

/** One cache per list, so two lists with the same query string never share a count. */
export function floorCountCache(ttlMs = 5000) {
  const counts = new Map<string, { value: Promise<number>; expires: number }>();
  return (query: URLSearchParams, count: () => Promise<number>) => {
    const filters = [...query.entries()].filter(([k, v]) => k !== 'limit' && k !== 'cursor' && v.trim()).map(([k, v]) => [k, v.trim()]);
    filters.sort(([a], [b]) => (a < b ? -1 : 1));
    const key = JSON.stringify(filters);
    const hit = counts.get(key);
    if (hit && hit.expires > Date.now()) return hit.value;
    const value = count();
    counts.set(key, { value, expires: Date.now() + ttlMs });
    return value;
  };
}
