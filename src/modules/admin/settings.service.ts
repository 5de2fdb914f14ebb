import { Value } from '@sinclair/typebox/value';
import { inArray, sql } from 'drizzle-orm';
import type { Actor, AppContext } from '../../lib/context.js';
import { AppError, badRequest } from '../../lib/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import { platformSettings } from './admin.tables.js';
import { settingDefaults, settingNames, settingSchemas, type SettingName, type Settings, type SettingsUpdate } from './settings.rules.js';

/**
 * How old an instance's copy may be. A running app refreshes it in the background every
 * SETTINGS_TTL_MS (startSettings), so a request never waits on, nor sends, a settings statement: hot
 * reads (search, directory, uploads) read settings at no cost. The writing instance reloads at once.
 * See docs/decisions/091-admin-settings.md and 095-settings-in-force.md.
 */
export const SETTINGS_TTL_MS = 2000;
/** Marks the background refresh, so statement counters can tell it from a request's statements. */
export const SETTINGS_REFRESH_MARK = '/* background: settings refresh */';

interface Copy {
  values: Settings;
  expires: number;
  loading?: Promise<Settings>;
  /** Kept fresh by startSettings' timer: never expires while it runs. */
  refreshed?: boolean;
}
const copies = new WeakMap<AppContext, Copy>();
/** Bumped by every write on this instance: a background refresh that began before it must not undo it. */
const writes = new WeakMap<AppContext, number>();

async function load(ctx: AppContext, mark = ''): Promise<Settings> {
  const { rows } = await ctx.pool.query<{ name: string; value: unknown }>(`SELECT name, value FROM platform_settings ${mark}`);
  const values: Record<string, unknown> = { ...settingDefaults };
  for (const row of rows) {
    // A stored value that no longer fits its schema (a setting changed type) falls back to the default.
    const schema = settingSchemas[row.name as SettingName];
    if (schema && Value.Check(schema, row.value)) values[row.name] = row.value;
  }
  return values as Settings;
}

/**
 * Loads the settings, then re-reads them every SETTINGS_TTL_MS until stopped (the app's onClose). A
 * failed refresh keeps the last values (and logs); requests go on reading the copy.
 */
export async function startSettings(ctx: AppContext) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    copies.set(ctx, { values: await load(ctx), expires: Infinity, refreshed: true });
  } catch (err) {
    // Not fatal: requests load on demand (as without the refresher) until a refresh succeeds.
    ctx.log.warn({ err }, 'settings could not be loaded at start-up; retrying in the background');
  }
  const tick = async () => {
    try {
      const before = writes.get(ctx);
      const values = await load(ctx, SETTINGS_REFRESH_MARK);
      if (!stopped && writes.get(ctx) === before) copies.set(ctx, { values, expires: Infinity, refreshed: true });
    } catch (err) {
      if (!stopped) ctx.log.warn({ err }, 'settings refresh failed; keeping the last values');
    }
    if (!stopped) timer = setTimeout(tick, SETTINGS_TTL_MS).unref();
  };
  timer = setTimeout(tick, SETTINGS_TTL_MS).unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      copies.delete(ctx);
    },
  };
}

/** All settings, from this instance's copy (at most SETTINGS_TTL_MS old, plus one refresh's time). */
export async function getSettings(ctx: AppContext): Promise<Settings> {
  const copy = copies.get(ctx);
  if (copy && copy.expires > Date.now()) return copy.values;
  if (copy?.loading) return copy.loading;
  // A context without the refresher (CLI commands, services called directly): load on demand, kept 2 s.
  const loading = load(ctx);
  const next: Copy = { values: copy?.values ?? settingDefaults, expires: 0, loading };
  copies.set(ctx, next);
  try {
    const values = await loading;
    copies.set(ctx, { values, expires: Date.now() + SETTINGS_TTL_MS });
    return values;
  } catch (err) {
    copies.delete(ctx);
    throw err;
  }
}

/** One setting, for any module: `await getSetting(ctx, 'registration_open')`. */
export async function getSetting<K extends SettingName>(ctx: AppContext, name: K): Promise<Settings[K]> {
  return (await getSettings(ctx))[name];
}

/** PUT /api/admin/settings: changes only the names it carries, audited in the same transaction. */
export async function updateSettings(ctx: AppContext, admin: Actor, input: SettingsUpdate, ip?: string) {
  const entries = Object.entries(input).filter(([, v]) => v !== undefined) as [SettingName, unknown][];
  if (!entries.length) throw badRequest('body', 'must name at least one setting');
  for (const [name, value] of entries) {
    if (!settingNames.includes(name)) throw badRequest(name, 'is not a setting');
    if (!Value.Check(settingSchemas[name], value)) throw badRequest(name, 'has the wrong type or is out of range');
  }
  const normalized = entries.map(([name, value]) =>
    name === 'allowed_student_email_domains'
      ? ([name, [...new Set((value as string[]).map((d) => d.trim().toLowerCase()))]] as const)
      : name === 'platform_name'
        ? ([name, (value as string).trim()] as const)
        : ([name, value] as const),
  );
  await ctx.db.transaction(async (tx) => {
    const before = await tx
      .select()
      .from(platformSettings)
      .where(
        inArray(
          platformSettings.name,
          normalized.map(([n]) => n),
        ),
      )
      .for('update');
    const old = new Map(before.map((r) => [r.name, r.value]));
    for (const [name, value] of normalized) {
      await tx
        .insert(platformSettings)
        .values({ name, value, updated_by: admin.id })
        .onConflictDoUpdate({
          target: platformSettings.name,
          set: { value: sql`excluded.value`, updated_by: admin.id, updated_at: sql`now()` },
        });
    }
    const changes = Object.fromEntries(
      normalized.map(([name, value]) => [name, { from: old.has(name) ? old.get(name) : settingDefaults[name], to: value }]),
    );
    await recordAudit(tx, {
      adminId: admin.id,
      actionType: 'settings.update',
      targetType: 'settings',
      targetId: null,
      description: `Changed settings: ${normalized.map(([n]) => n).join(', ')}`,
      metadata: { changes },
      ip,
    });
  });
  // This instance sees its own change at once (the others within SETTINGS_TTL_MS).
  writes.set(ctx, (writes.get(ctx) ?? 0) + 1);
  const refreshed = copies.get(ctx)?.refreshed;
  const values = await load(ctx);
  copies.set(ctx, refreshed ? { values, expires: Infinity, refreshed } : { values, expires: Date.now() + SETTINGS_TTL_MS });
  return values;
}

/** Registration rules from the settings (called by POST /api/auth/register). */
export async function checkRegistrationAllowed(ctx: AppContext, email: string, role: string) {
  const settings = await getSettings(ctx);
  if (!settings.registration_open) throw new AppError(403, 'registration_closed', 'Registration is closed on this platform');
  const domains = settings.allowed_student_email_domains;
  if (role === 'student' && domains.length) {
    const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
    if (!domains.some((d) => domain === d || domain.endsWith(`.${d}`))) {
      throw badRequest('email', `must be an address of the institution for students (${domains.join(', ')})`);
    }
  }
}
