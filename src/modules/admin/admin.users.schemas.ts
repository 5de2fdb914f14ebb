import { Type } from '@sinclair/typebox';
import { PageQuerySchema } from '../../lib/pagination.js';
import { DateFilter, Filter, Nullable, RequiredText, RoleSchema, roles, TimestampSchema, UuidSchema } from '../../lib/schemas.js';

const userStatuses = ['active', 'suspended', 'deleted'] as const;

export const AdminUserSchema = Type.Object({
  id: UuidSchema,
  email: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  is_verified: Type.Boolean({ description: 'E-mail address verified' }),
  status: Type.Unsafe<(typeof userStatuses)[number]>({ type: 'string', enum: [...userStatuses] }),
  last_login_at: Nullable(TimestampSchema),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
  profile_verification_status: Nullable(Type.String({ description: 'unverified | pending | verified | rejected; null without a profile' })),
});

export const AdminUserDetailSchema = Type.Composite([
  AdminUserSchema,
  Type.Object({
    profile_is_verified: Nullable(Type.Boolean()),
    directory_visible: Nullable(Type.Boolean()),
    profile_completion_percentage: Nullable(Type.Integer()),
    active_sessions: Type.Integer(),
  }),
]);

/** One of `values`, or blank (no filter, SEARCH.md). */
const oneOf = (values: readonly string[], description: string) =>
  Type.Optional(Type.String({ pattern: `^\\s*(${values.join('|')})?\\s*$`, description }));

export const UserListQuerySchema = Type.Object({
  role: oneOf(roles, roles.join(' | ')),
  status: oneOf(userStatuses, userStatuses.join(' | ')),
  verified: oneOf(['true', 'false'], 'E-mail verified (true) or not (false)'),
  q: Filter('Case-insensitive substring of the name or e-mail'),
  joined_from: DateFilter('Accounts created at or after this instant'),
  joined_to: DateFilter('Accounts created at or before this instant'),
  ...PageQuerySchema.properties,
});

export const UserChangeBodySchema = Type.Object(
  {
    role: Type.Optional(RoleSchema),
    status: Type.Optional(Type.Unsafe<'active' | 'suspended'>({ type: 'string', enum: ['active', 'suspended'] })),
    name: Type.Optional(RequiredText({ maxLength: 120 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const UserParamsSchema = Type.Object({ user_id: UuidSchema });
