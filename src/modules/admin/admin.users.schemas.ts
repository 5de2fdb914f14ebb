import { Type } from '@sinclair/typebox';
import { PageQuerySchema } from '../../lib/pagination.js';
import { Nullable, TimestampSchema, UuidSchema } from '../../lib/schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ ...TimestampSchema });
const RoleEnum = Type.Unsafe<'student' | 'alumni' | 'faculty' | 'recruiter' | 'admin'>({
  type: 'string',
  enum: ['student', 'alumni', 'faculty', 'recruiter', 'admin'],
});

export const AdminUserSchema = Type.Object({
  id: UuidSchema,
  email: Type.String(),
  name: Type.String(),
  role: Type.String(),
  is_verified: Type.Boolean({ description: 'E-mail address verified' }),
  status: Type.String({ enum: ['active', 'suspended', 'deleted'] }),
  last_login_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
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

export const UserListQuerySchema = Type.Composite([
  PageQuerySchema,
  Type.Object({
    role: Type.Optional(RoleEnum),
    status: Type.Optional(Type.Unsafe<'active' | 'suspended' | 'deleted'>({ type: 'string', enum: ['active', 'suspended', 'deleted'] })),
    verified: Type.Optional(Type.Boolean({ description: 'E-mail verified or not' })),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Substring of name or e-mail' })),
    joined_from: Type.Optional(Type.String({ format: 'date-time' })),
    joined_to: Type.Optional(Type.String({ format: 'date-time' })),
  }),
]);

export const UserChangeBodySchema = Type.Object(
  {
    role: Type.Optional(RoleEnum),
    status: Type.Optional(Type.Unsafe<'active' | 'suspended'>({ type: 'string', enum: ['active', 'suspended'] })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const UserParamsSchema = Type.Object({ user_id: UuidSchema });
