import { Type, type Static } from '@sinclair/typebox';
import { EmailSchema, Nullable, TimestampSchema, UuidSchema } from '../../lib/schemas.js';

export const UserSchema = Type.Object(
  {
    id: UuidSchema,
    email: Type.String(),
    name: Type.String(),
    role: Type.String({ enum: ['student', 'alumni', 'faculty', 'recruiter', 'admin'] }),
    is_verified: Type.Boolean(),
    status: Type.String({ enum: ['active', 'suspended', 'deleted'] }),
    last_login_at: Nullable(TimestampSchema),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  },
  { $id: 'User' },
);

const Password = Type.String({ minLength: 1, maxLength: 256 });
const Name = Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' });

export const RegisterBodySchema = Type.Object(
  {
    email: EmailSchema,
    password: Password,
    name: Name,
    role: Type.String({ enum: ['student', 'alumni', 'faculty', 'recruiter'], description: 'Never admin' }),
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
export const RefreshBodySchema = Type.Object(
  { refresh_token: Type.String({ minLength: 1, maxLength: 512 }) },
  { additionalProperties: false },
);
export const ResetPasswordBodySchema = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 512 }), new_password: Password },
  { additionalProperties: false },
);

export const UserEnvelopeSchema = Type.Object({ user: Type.Ref('User') });
export const TokenPairSchema = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
  user: Type.Ref('User'),
});
export const AcceptedSchema = Type.Object({ status: Type.Literal('accepted'), detail: Type.String() });
