import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { PageQuerySchema } from '../../lib/pagination.js';
import { Filter, Int, Nullable, RequiredText, Text as SharedText, TimestampSchema as Timestamp, UuidSchema } from '../../lib/schemas.js';
import { MAX_SKILL_LENGTH, MIN_YEAR, TEXT_LIMITS, maxYear } from './profiles.rules.js';
import { contactVisibilities, verificationStatuses } from './profiles.tables.js';

const literals = (values: readonly string[]) => Type.Unsafe<string>({ type: 'string', enum: [...values] });
const optionalNullable = <T extends TSchema>(schema: T) => Type.Optional(Nullable(schema));
const Text = (maxLength: number) => SharedText({ maxLength });
const Year = Int({ minimum: MIN_YEAR, maximum: maxYear() });
const UrlString = Type.String({
  maxLength: TEXT_LIMITS.url,
  pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s\\u0000]+$',
  description: 'http(s) URL',
});
const DatePattern = '^[0-9]{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$';
const DateString = Type.String({ pattern: DatePattern, description: 'YYYY-MM or YYYY-MM-DD' });

// ---- request bodies -------------------------------------------------------------------------

const ExperienceInputSchema = Type.Object(
  {
    company: SharedText({ minLength: 1, maxLength: 200 }),
    role: SharedText({ minLength: 1, maxLength: 200 }),
    location: optionalNullable(Text(200)),
    start_date: DateString,
    end_date: optionalNullable(DateString),
    description: optionalNullable(Text(2000)),
  },
  { additionalProperties: false },
);

const EducationInputSchema = Type.Object(
  {
    institution: SharedText({ minLength: 1, maxLength: 200 }),
    degree: optionalNullable(Text(120)),
    field: optionalNullable(Text(120)),
    start_year: optionalNullable(Year),
    end_year: optionalNullable(Year),
  },
  { additionalProperties: false },
);

const SocialLinksInputSchema = Type.Object(
  {
    linkedin: optionalNullable(UrlString),
    github: optionalNullable(UrlString),
    twitter: optionalNullable(UrlString),
    website: optionalNullable(UrlString),
  },
  { additionalProperties: false },
);

/** Every field a member may set on their profile; create and update (partial) share it. */
export const ProfileInputSchema = Type.Object(
  {
    name: Type.Optional(RequiredText({ maxLength: TEXT_LIMITS.name })),
    headline: optionalNullable(Text(TEXT_LIMITS.headline)),
    bio: optionalNullable(Text(TEXT_LIMITS.bio)),
    current_company: optionalNullable(Text(TEXT_LIMITS.current_company)),
    current_role: optionalNullable(Text(TEXT_LIMITS.current_role)),
    location: optionalNullable(Text(TEXT_LIMITS.location)),
    batch_year: optionalNullable(Year),
    degree: optionalNullable(Text(TEXT_LIMITS.degree)),
    department: optionalNullable(Text(TEXT_LIMITS.department)),
    experience_timeline: Type.Optional(Type.Array(ExperienceInputSchema, { maxItems: 50 })),
    education_details: Type.Optional(Type.Array(EducationInputSchema, { maxItems: 20 })),
    skills: Type.Optional(
      Type.Array(Text(MAX_SKILL_LENGTH), {
        maxItems: 200,
        description: 'Normalized: trimmed, de-duplicated case-insensitively, at most 50',
      }),
    ),
    achievements: Type.Optional(Type.Array(SharedText({ minLength: 1, maxLength: 500 }), { maxItems: 50 })),
    social_links: Type.Optional(SocialLinksInputSchema),
    directory_visible: Type.Optional(Type.Boolean({ description: 'false hides the profile from search, directory and facets' })),
    contact_visibility: Type.Optional(literals(contactVisibilities)),
  },
  { additionalProperties: false },
);
export type ProfileInput = Static<typeof ProfileInputSchema>;

export const RejectBodySchema = Type.Object(
  { reason: RequiredText({ maxLength: 1000, description: 'Why; sent to the member' }) },
  { additionalProperties: false },
);

// ---- params and query strings ----------------------------------------------------------------

export const UserIdParamsSchema = Type.Object({ user_id: UuidSchema });

/** SEARCH.md: empty (after trimming) means "no filter"; malformed values are 400 naming the parameter. */
export const SearchQuerySchema = Type.Object({
  name: Filter('Every whitespace-separated token is a case-insensitive substring of the name'),
  company: Filter('Case-insensitive equality with current_company'),
  skills: Filter('Comma-separated; the profile has all of them (whole skills, case-insensitive)', 2000),
  batch_year: Type.Optional(Type.String({ pattern: '^\\s*(-?[0-9]{1,9})?\\s*$', description: 'An integer' })),
  job_role: Filter('Case-insensitive substring of current_role'),
  location: Filter('Case-insensitive equality with location'),
  department: Filter('Case-insensitive equality with department'),
  q: Filter('Free text: every token is a substring of name, headline, company, role or a skill'),
  verified_only: Type.Optional(Type.String({ pattern: '^\\s*(true|false)?\\s*$', description: 'true: verified profiles only' })),
  ...PageQuerySchema.properties,
});
export type SearchQuery = Static<typeof SearchQuerySchema>;

export const FacetsQuerySchema = Type.Object({
  limit: Int({ minimum: 1, maximum: 1000, default: 1000, description: 'At most this many values per facet' }),
});

// ---- responses --------------------------------------------------------------------------------

const ExperienceSchema = Type.Object({
  company: Type.String(),
  role: Type.String(),
  location: optionalNullable(Type.String()),
  start_date: Type.String(),
  end_date: optionalNullable(Type.String()),
  description: optionalNullable(Type.String()),
});
const EducationSchema = Type.Object({
  institution: Type.String(),
  degree: optionalNullable(Type.String()),
  field: optionalNullable(Type.String()),
  start_year: optionalNullable(Type.Integer()),
  end_year: optionalNullable(Type.Integer()),
});
const SocialLinksSchema = Type.Object({
  linkedin: optionalNullable(Type.String()),
  github: optionalNullable(Type.String()),
  twitter: optionalNullable(Type.String()),
  website: optionalNullable(Type.String()),
});

const cardFields = {
  user_id: UuidSchema,
  name: Type.String(),
  role: Type.String(),
  photo_url: Nullable(Type.String({ description: 'Signed, expiring URL' })),
  headline: Nullable(Type.String()),
  current_company: Nullable(Type.String()),
  current_role: Nullable(Type.String()),
  location: Nullable(Type.String()),
  batch_year: Nullable(Type.Integer()),
  degree: Nullable(Type.String()),
  department: Nullable(Type.String()),
  skills: Type.Array(Type.String()),
  profile_completion_percentage: Type.Integer({ minimum: 0, maximum: 100 }),
  is_verified: Type.Boolean(),
  verification_status: literals(verificationStatuses),
};

/** A directory or search result: no contact details, no CV. */
export const ProfileCardSchema = Type.Object(cardFields);

export const ProfileSchema = Type.Object({
  ...cardFields,
  email: Nullable(
    Type.String({ description: 'null unless the owner shares contact details with members (owner and admins always see it)' }),
  ),
  social_links: Nullable(SocialLinksSchema),
  cv_url: Nullable(Type.String({ description: 'Signed, expiring URL; owner and admins only' })),
  bio: Nullable(Type.String()),
  experience_timeline: Type.Array(ExperienceSchema),
  education_details: Type.Array(EducationSchema),
  achievements: Type.Array(Type.String()),
  directory_visible: Type.Boolean(),
  contact_visibility: literals(contactVisibilities),
  verified_by: Nullable(UuidSchema),
  verified_at: Nullable(Timestamp),
  rejection_reason: Nullable(Type.String({ description: 'Why the last request was declined; owner and admins only' })),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const Facet = <T extends TSchema>(value: T) => Type.Array(Type.Object({ value, count: Type.Integer() }));
export const FacetsSchema = Type.Object({
  companies: Facet(Type.String()),
  skills: Facet(Type.String()),
  locations: Facet(Type.String()),
  batch_years: Facet(Type.Integer()),
  departments: Facet(Type.String()),
});
export type Facets = Static<typeof FacetsSchema>;

export const PendingVerificationSchema = Type.Object({
  id: UuidSchema,
  user_id: UuidSchema,
  name: Type.String(),
  email: Type.String(),
  source: literals(['member', 'facts_changed']),
  requested_at: Timestamp,
  headline: Nullable(Type.String()),
  current_company: Nullable(Type.String()),
  current_role: Nullable(Type.String()),
  batch_year: Nullable(Type.Integer()),
  degree: Nullable(Type.String()),
  department: Nullable(Type.String()),
  profile_completion_percentage: Type.Integer(),
});

export const ImportReportSchema = Type.Object({
  created: Type.Integer({ description: 'Profiles created' }),
  updated: Type.Integer({ description: 'Existing profiles whose values changed' }),
  unchanged: Type.Integer({ description: 'Rows equal to what is stored (re-import)' }),
  skipped: Type.Integer({ description: 'Bad rows, each reported in errors' }),
  errors: Type.Array(Type.Object({ line: Type.Integer(), message: Type.String() })),
  ignored_columns: Type.Array(Type.String(), { description: 'Unknown header columns, ignored' }),
});
