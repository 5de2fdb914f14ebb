import { Type, type Static } from '@sinclair/typebox';
import {
  EmailSchema,
  Nullable,
  RequiredText,
  Text,
  RoleSchema,
  SELF_SERVICE_ROLES,
  TimestampSchema,
  UuidSchema,
} from '../../lib/schemas.js';

export const UserSchema = Type.Object(
  {
    id: UuidSchema,
    email: Type.String(),
    name: Type.String(),
    role: RoleSchema,
    is_verified: Type.Boolean(),
    status: Type.String({ enum: ['active', 'suspended', 'deleted'] }),
    last_login_at: Nullable(TimestampSchema),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  },
  { $id: 'User' },
);

// A password is never stored as text (only its argon2 hash), so any character may be in it.
const Password = Type.String({ minLength: 1, maxLength: 256 });
// Anything else than a token we issued is a 401 (not a 400), so only what text cannot hold is refused here.
const OpaqueToken = Text({ minLength: 1, maxLength: 512, description: 'As issued' });
const Name = RequiredText({ maxLength: 120 });

export const RegisterBodySchema = Type.Object(
  {
    email: EmailSchema,
    password: Password,
    name: Name,
    role: Type.Unsafe<(typeof SELF_SERVICE_ROLES)[number]>({ type: 'string', enum: [...SELF_SERVICE_ROLES], description: 'Never admin' }),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBodySchema>;

export const VerifyEmailBodySchema = Type.Object(
  { email: EmailSchema, otp: Type.String({ pattern: '^[0-9]{6}$', description: 'The 6-digit code' }) },
  { additionalProperties: false },
);
export const EmailBodySchema = Type.Object({ email: EmailSchema }, { additionalProperties: false });
export const LoginBodySchema = Type.Object({ email: EmailSchema, password: Password }, { additionalProperties: false });
export const RefreshBodySchema = Type.Object({ refresh_token: OpaqueToken }, { additionalProperties: false });
export const ResetPasswordBodySchema = Type.Object({ token: OpaqueToken, new_password: Password }, { additionalProperties: false });

export const UserEnvelopeSchema = Type.Object({ user: Type.Ref('User') });
export const TokenPairSchema = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
  user: Type.Ref('User'),
});
export const AcceptedSchema = Type.Object({ status: Type.Literal('accepted'), detail: Type.String() });
