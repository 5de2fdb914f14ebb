import { randomUUID } from 'node:crypto';
import type { TestApp, TestUser } from '../../../test/helpers.js';

/** Test helpers shared by the profiles test files (not a test file itself). */

/** A multipart/form-data body with one file part. */
export function multipart(content: Buffer, options: { field?: string; filename?: string; contentType?: string } = {}) {
  const boundary = `----cohort${randomUUID().replace(/-/g, '')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${options.field ?? 'file'}"; filename="${options.filename ?? 'upload.bin'}"\r\n` +
      `Content-Type: ${options.contentType ?? 'application/octet-stream'}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, content, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
// A 1×1 transparent PNG.
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

/** Uploads a CSV through the admin endpoint. */
export const importCsv = (admin: TestUser, csv: string, filename = 'alumni.csv') =>
  admin.inject({ method: 'POST', url: '/api/admin/import/alumni', ...multipart(Buffer.from(csv), { filename, contentType: 'text/csv' }) });

/** Creates the user's profile through the API and returns it. */
export async function createProfile(user: TestUser, body: Record<string, unknown> = {}) {
  const res = await user.inject({ method: 'POST', url: '/api/profiles/create', payload: body });
  if (res.statusCode !== 201) throw new Error(`create profile failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** A signed-in user who already has a profile. */
export async function member(t: TestApp, body: Record<string, unknown> = {}, role: Parameters<TestApp['user']>[0] = 'alumni') {
  const user = await t.user(role);
  const profile = await createProfile(user, body);
  return Object.assign(user, { profile });
}

export const csvLine = (fields: (string | number | undefined)[]) =>
  fields.map((f) => (f === undefined ? '' : /[",\n\r]/.test(String(f)) ? `"${String(f).replace(/"/g, '""')}"` : String(f))).join(',');
