import { Type, type TSchema } from '@sinclair/typebox';

/** Shared building blocks of the wire contract (API.md). */
export const UuidSchema = Type.String({ format: 'uuid' });
export const EmailSchema = Type.String({ format: 'email', maxLength: 254 });
export const TimestampSchema = Type.String({ format: 'date-time' });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const RoleSchema = Type.Union(
  ['student', 'alumni', 'faculty', 'recruiter', 'admin'].map((r) => Type.Literal(r)),
) as unknown as TSchema;
export const roles = ['student', 'alumni', 'faculty', 'recruiter', 'admin'] as const;
export type Role = (typeof roles)[number];

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

export const IdParamsSchema = Type.Object({ id: UuidSchema });

/** Standard error responses for a route, so the OpenAPI document lists them. */
export const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, Type.Ref('Problem')]));
