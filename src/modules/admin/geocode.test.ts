import { beforeAll, describe, expect, it } from 'vitest';
import { createGeocoder, normalizePlace, type Geocoder } from './geocode.js';

let geocoder: Geocoder;
beforeAll(() => {
  geocoder = createGeocoder();
});

const where = (text: string | null) => {
  const result = geocoder.geocode(text);
  return result.status === 'resolved'
    ? `${result.city.name}, ${result.city.country}${result.city.country === 'US' ? ` (${result.city.admin})` : ''}`
    : result.status;
};

describe('offline geocoding of free-text locations', () => {
  it('when a city comes with a country hint, then it resolves to that city', () => {
    expect(where('Pune, India')).toBe('Pune, IN');
    expect(where('London, United Kingdom')).toBe('London, GB');
    expect(where('london, uk')).toBe('London, GB');
    expect(where('Berlin, Germany')).toBe('Berlin, DE');
    expect(where('San Francisco, USA')).toBe('San Francisco, US (CA)');
    expect(where('Zurich, Switzerland')).toBe('Zürich, CH');
    expect(where('  PUNE ,  IN ')).toBe('Pune, IN');
  });

  it('when a name is unique in the table, or a known former name, then no hint is needed', () => {
    expect(where('Singapore')).toBe('Singapore, SG');
    expect(where('Mumbai')).toBe('Mumbai, IN');
    expect(where('Bangalore, India')).toBe('Bengaluru, IN');
  });

  it('when a name is ambiguous, then it stays ambiguous unless a state or country hint settles it', () => {
    expect(where('Springfield')).toBe('ambiguous');
    expect(where('Paris')).toBe('ambiguous');
    expect(where('Hyderabad')).toBe('ambiguous');
    expect(where('Springfield, USA')).toBe('ambiguous');
    expect(where('Springfield, IL')).toBe('Springfield, US (IL)');
    expect(where('Paris, France')).toBe('Paris, FR');
    expect(where('Paris, TX, USA')).toBe('Paris, US (TX)');
    expect(where('Hyderabad, Pakistan')).toBe('Hyderabad, PK');
  });

  it('when the place is not a city of the table, then unknown', () => {
    expect(where('Qwxyz Nowhere')).toBe('unknown');
    expect(where('India')).toBe('unknown');
    expect(where('Pune, France')).toBe('unknown');
    expect(where('')).toBe('unknown');
    expect(where(null)).toBe('unknown');
    expect(where(' , ')).toBe('unknown');
  });

  it('when text has accents, case and punctuation, then it is normalized the same way', () => {
    expect(normalizePlace('  São   Paulo! ')).toBe('sao paulo');
    expect(normalizePlace('ZÜRICH')).toBe('zurich');
  });
});
