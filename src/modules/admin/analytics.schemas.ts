import { Type } from '@sinclair/typebox';
import { Int, Nullable } from '../../lib/schemas.js';

const Count = Type.Integer({ minimum: 0 });
/**
 * Null where a non-admin view withholds a count of fewer than 5 people. A type list rather than a
 * union: the serializer writes it directly instead of trying each branch of an anyOf per value.
 */
const Withheld = Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 0 });

export const TopQuerySchema = Type.Object({
  limit: Int({ minimum: 1, maximum: 1000, default: 20, description: 'Groups to return' }),
});
export const GroupsSchema = Type.Object({ results: Type.Array(Type.Object({ value: Type.String(), count: Count })) });
export const BatchesSchema = Type.Object({ results: Type.Array(Type.Object({ batch_year: Type.Integer(), count: Count })) });

export const JobTrendsQuerySchema = Type.Object({
  months: Int({ minimum: 1, maximum: 120, default: 12, description: 'Months back, this one included' }),
});
export const JobTrendsSchema = Type.Object({
  by_type: Type.Array(Type.Object({ job_type: Type.String(), total: Count, active: Count })),
  by_month: Type.Array(Type.Object({ month: Type.String({ description: 'YYYY-MM (UTC)' }), count: Count })),
});

export const EngagementQuerySchema = Type.Object({
  days: Int({ minimum: 1, maximum: 366, default: 30, description: 'Days of the daily series, today included' }),
});
export const EngagementSchema = Type.Object({
  dau: Withheld,
  wau: Withheld,
  mau: Withheld,
  active_accounts: Count,
  stickiness: Nullable(Type.Number({ description: 'DAU / MAU' })),
  daily: Type.Array(Type.Object({ day: Type.String({ description: 'YYYY-MM-DD (UTC)' }), count: Withheld })),
});

export const LocationsSchema = Type.Object({
  results: Type.Array(
    Type.Object({
      city: Type.String(),
      country: Type.String({ description: 'ISO 3166-1 alpha-2' }),
      latitude: Type.Number(),
      longitude: Type.Number(),
      count: Count,
    }),
  ),
  unknown: Withheld,
  ambiguous: Withheld,
  not_given: Withheld,
});

export const LocationsGeoJsonSchema = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(
    Type.Object({
      type: Type.Literal('Feature'),
      geometry: Type.Object({ type: Type.Literal('Point'), coordinates: Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }) }),
      properties: Type.Object({ city: Type.String(), country: Type.String(), count: Count }),
    }),
  ),
});
