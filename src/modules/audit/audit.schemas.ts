import { Type, type Static } from '@sinclair/typebox';
import { PageQuerySchema } from '../../lib/pagination.js';
import { DateFilter, Filter, Nullable, TimestampSchema, UuidSchema } from '../../lib/schemas.js';

export const AuditEntrySchema = Type.Object({
  id: UuidSchema,
  admin_id: Nullable(UuidSchema),
  action_type: Type.String(),
  target_type: Type.String(),
  target_id: Nullable(Type.String()),
  description: Type.String(),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  ip: Nullable(Type.String()),
  created_at: TimestampSchema,
  timestamp: TimestampSchema,
});

// Filters follow SEARCH.md: blank filters nothing.
export const AuditQuerySchema = Type.Object({
  admin_id: Type.Optional(
    Type.String({
      pattern: '^\\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?\\s*$',
      description: 'Entries by this admin (a user id)',
    }),
  ),
  action_type: Filter('Exact action type, e.g. user.suspend', 100),
  target_type: Filter('Exact target type, e.g. user, job, settings', 100),
  target_id: Filter('Exact target id', 200),
  from: DateFilter('Entries at or after this instant'),
  to: DateFilter('Entries at or before this instant'),
  ...PageQuerySchema.properties,
});
export type AuditQuery = Static<typeof AuditQuerySchema>;
