import { Type } from '@sinclair/typebox';
import { PageQuerySchema } from '../../lib/pagination.js';
import { Nullable, TimestampSchema, UuidSchema } from '../../lib/schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ ...TimestampSchema });

export const AuditEntrySchema = Type.Object({
  id: UuidSchema,
  admin_id: Nullable(UuidSchema),
  action_type: Type.String(),
  target_type: Type.String(),
  target_id: Nullable(Type.String()),
  description: Type.String(),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  ip: Nullable(Type.String()),
  created_at: Timestamp,
});

export const AuditQuerySchema = Type.Composite([
  PageQuerySchema,
  Type.Object({
    admin_id: Type.Optional(Type.String({ format: 'uuid', description: 'Entries by this admin' })),
    action_type: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'e.g. user.suspend' })),
    target_type: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'e.g. user, job, settings' })),
    target_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Entries at or after this instant' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Entries at or before this instant' })),
  }),
]);
