import { Type } from '@sinclair/typebox';
import { DateFilter, TimestampSchema } from '../../lib/schemas.js';

export const MetricsSchema = Type.Object({
  generated_at: TimestampSchema,
  metrics: Type.Array(
    Type.Object({
      name: Type.String({ description: 'e.g. users.student, jobs.active' }),
      label: Type.String(),
      total: Type.Integer(),
      change_30d: Type.Integer({ description: 'Of the total, created in the last 30 days' }),
    }),
  ),
});

export const ChartsQuerySchema = Type.Object({
  // Optional with a default (the validator fills it in): a query without it is a day chart.
  bucket: Type.Optional(Type.Unsafe<'day' | 'week' | 'month'>({ type: 'string', enum: ['day', 'week', 'month'], default: 'day' })),
  from: DateFilter('Default: 30 days before to'),
  to: DateFilter('Default: now'),
});

export const ChartsSchema = Type.Object({
  bucket: Type.String(),
  from: TimestampSchema,
  to: TimestampSchema,
  series: Type.Array(
    Type.Object({
      name: Type.String(),
      label: Type.String(),
      points: Type.Array(Type.Object({ start: Type.String({ description: 'Bucket start, UTC' }), value: Type.Integer() })),
    }),
  ),
});
