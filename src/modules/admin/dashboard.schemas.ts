import { Type } from '@sinclair/typebox';

export const MetricsSchema = Type.Object({
  generated_at: Type.String({ format: 'date-time' }),
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
  bucket: Type.Unsafe<'day' | 'week' | 'month'>({ type: 'string', enum: ['day', 'week', 'month'], default: 'day' }),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 30 days before to' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
});

export const ChartsSchema = Type.Object({
  bucket: Type.String(),
  from: Type.String(),
  to: Type.String(),
  series: Type.Array(
    Type.Object({
      name: Type.String(),
      label: Type.String(),
      points: Type.Array(Type.Object({ start: Type.String({ description: 'Bucket start, UTC' }), value: Type.Integer() })),
    }),
  ),
});
