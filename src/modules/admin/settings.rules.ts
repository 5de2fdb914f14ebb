import { Type, type Static } from '@sinclair/typebox';
import { Int, RequiredText } from '../../lib/schemas.js';

/** The multipart plugin's own limit (src/app.ts): the upload setting can lower it, never raise it. */
export const MAX_UPLOAD_CEILING_BYTES = 5 * 1024 * 1024;

/**
 * Every platform setting: name, type (the schema) and default. Adding one here adds it to
 * GET/PUT /api/admin/settings and to getSetting(); a name not listed is a 400 on PUT.
 */
export const settingSchemas = {
  platform_name: RequiredText({ maxLength: 80, default: 'Cohort', description: 'Shown in mails and clients' }),
  registration_open: Type.Boolean({ default: true, description: 'POST /api/auth/register accepts new accounts' }),
  allowed_student_email_domains: Type.Array(Type.String({ minLength: 3, maxLength: 253, pattern: '^[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$' }), {
    maxItems: 50,
    default: [],
    description: 'Students must register with an address of one of these domains (or a subdomain); empty: any domain',
  }),
  directory_verified_alumni_only: Type.Boolean({
    default: false,
    description:
      'Search, directory, facets, analytics, mentors, match suggestions and event attendees show non-admins only verified alumni',
  }),
  default_profile_visibility: Type.String({
    enum: ['listed', 'unlisted'],
    default: 'listed',
    description: 'Whether a new profile appears in the directory until its owner decides',
  }),
  max_upload_bytes: Int({
    minimum: 1024,
    maximum: MAX_UPLOAD_CEILING_BYTES,
    default: MAX_UPLOAD_CEILING_BYTES,
    description: 'Largest CV, photo or banner upload accepted (bytes; 413 above it)',
  }),
  mentorship_request_expiry_days: Int({ minimum: 1, maximum: 365, default: 14, description: 'Days until a new pending request lapses' }),
};

export type SettingName = keyof typeof settingSchemas;
export const SettingsSchema = Type.Object(settingSchemas, { additionalProperties: false });
export type Settings = Static<typeof SettingsSchema>;
// Without the defaults: the validator fills in defaults (useDefaults), which would reset every setting a PUT leaves out.
export const SettingsUpdateSchema = Type.Partial(
  Type.Object(
    Object.fromEntries(
      Object.entries(settingSchemas).map(([name, { default: _default, ...schema }]) => [name, schema]),
    ) as unknown as typeof settingSchemas,
    { additionalProperties: false },
  ),
  { additionalProperties: false, minProperties: 1 },
);
export type SettingsUpdate = Static<typeof SettingsUpdateSchema>;

export const settingNames = Object.keys(settingSchemas) as SettingName[];
export const settingDefaults = Object.fromEntries(settingNames.map((n) => [n, settingSchemas[n].default])) as Settings;
