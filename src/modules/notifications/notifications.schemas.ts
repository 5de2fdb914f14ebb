import { Type, type Static } from '@sinclair/typebox';
import { PageQuerySchema } from '../../lib/pagination.js';
import {
  StringEnum,
  Int,
  LinkInput,
  NO_NUL,
  Nullable,
  RequiredText,
  RoleSchema,
  Text,
  TimestampSchema,
  UuidSchema,
} from '../../lib/schemas.js';

export const PrioritySchema = StringEnum(['low', 'normal', 'high']);

export const NotificationSchema = Type.Object({
  id: UuidSchema,
  user_id: UuidSchema,
  type: Type.String(),
  title: Type.String(),
  message: Type.String(),
  link: Nullable(Type.String()),
  priority: PrioritySchema,
  metadata: Type.Record(Type.String(), Type.Unknown()),
  is_read: Type.Boolean(),
  read_at: Nullable(TimestampSchema),
  created_at: TimestampSchema,
});

export const ListQuerySchema = Type.Composite([
  PageQuerySchema,
  Type.Object({ unread_only: Type.Boolean({ default: false, description: 'Only unread notifications' }) }),
]);
export type ListQuery = Static<typeof ListQuerySchema>;

export const NotificationParamsSchema = Type.Object({ notification_id: UuidSchema });

export const UnreadCountSchema = Type.Object({ unread_count: Type.Integer() });
export const ReadAllSchema = Type.Object({ updated: Type.Integer(), unread_count: Type.Integer() });

const TypeFlagsSchema = Type.Object(
  { in_app: Type.Optional(Type.Boolean()), email: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const EmailDeliverySchema = StringEnum(['immediate', 'daily_digest']);

export const PreferencesSchema = Type.Object({
  email_notifications: Type.Boolean(),
  push_notifications: Type.Boolean(),
  email_delivery: EmailDeliverySchema,
  notification_types: Type.Record(Type.String(), Type.Object({ in_app: Type.Boolean(), email: Type.Boolean() })),
});

export const PreferencesBodySchema = Type.Object(
  {
    email_notifications: Type.Optional(Type.Boolean({ description: 'Master switch for notification e-mails (account mails always go)' })),
    push_notifications: Type.Optional(Type.Boolean({ description: 'Real-time pushes over SSE / WebSocket' })),
    email_delivery: Type.Optional(EmailDeliverySchema),
    notification_types: Type.Optional(
      // The key's pattern becomes the record's patternProperties (TypeBox): a NUL byte in a type name is a 400 at validation.
      // A bare boolean is the seed's "enable/disable flag": it sets in_app and email together.
      Type.Record(Type.String({ pattern: NO_NUL }), Type.Union([Type.Boolean(), TypeFlagsSchema]), {
        description: 'Per type, in-app and e-mail separately ({"in_app": true, "email": false}), or one boolean for both',
        maxProperties: 100,
        additionalProperties: false,
      }),
    ),
  },
  { additionalProperties: false },
);
export type PreferencesBody = Static<typeof PreferencesBodySchema>;

export const BroadcastBodySchema = Type.Object(
  {
    title: RequiredText({ maxLength: 200 }),
    message: RequiredText({ maxLength: 5000 }),
    link: Type.Optional(Nullable(LinkInput({ maxLength: 500 }))),
    priority: Type.Optional(PrioritySchema),
    audience: Type.Optional(
      Type.Object(
        {
          roles: Type.Optional(Type.Array(RoleSchema, { maxItems: 5 })),
          batch_years: Type.Optional(Type.Array(Int({ minimum: 1900, maximum: 2200 }), { maxItems: 200 })),
          departments: Type.Optional(Type.Array(RequiredText({ maxLength: 200 }), { maxItems: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type BroadcastBody = Static<typeof BroadcastBodySchema>;

export const BroadcastAcceptedSchema = Type.Object({ id: UuidSchema, recipients: Type.Integer() });

export const StreamQuerySchema = Type.Object({
  access_token: Type.Optional(Text({ maxLength: 4000, description: 'For clients that cannot send headers' })),
  last_event_id: Type.Optional(Int({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Replay what came after this event id' })),
});
