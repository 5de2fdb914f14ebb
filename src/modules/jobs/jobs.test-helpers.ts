import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import type { TestApp, TestUser } from '../../../test/helpers.js';
import { jobs } from './jobs.tables.js';

/** Smallest bytes the type sniffer reads as a PDF. */
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
export const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

let n = 0;
/** A valid create body with unique values; overrides win. */
export const jobBody = (overrides: Record<string, unknown> = {}) => ({
  title: `Data Engineer ${++n}`,
  description: 'Build pipelines and keep them green.',
  company: 'Google',
  location: 'Bangalore',
  job_type: 'full_time',
  experience_required: 3,
  skills_required: ['Python', 'SQL'],
  salary_range: { min: 12_000_000, max: 18_000_000, currency: 'INR', period: 'year' },
  apply_link: 'https://careers.example.com/google/17',
  application_deadline: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  ...overrides,
});

export async function postJob(user: TestUser, overrides: Record<string, unknown> = {}) {
  const res = await user.inject({ method: 'POST', url: '/api/jobs/create', payload: jobBody(overrides) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; title: string; status: string; [key: string]: unknown };
}

/** A multipart body: text fields and an optional file (field name `file` unless given). */
export function multipart(fields: Record<string, string>, file?: { data: Buffer; filename?: string; field?: string; type?: string }) {
  const boundary = `----cohort${randomUUID()}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename ?? 'cv.pdf'}"\r\n` +
          `Content-Type: ${file.type ?? 'application/pdf'}\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Applies with a fresh PDF upload; returns the response. */
export const applyWithFile = (user: TestUser, jobId: string, coverLetter = 'I would love to join.') =>
  user.inject({ method: 'POST', url: `/api/jobs/${jobId}/apply`, ...multipart({ cover_letter: coverLetter }, { data: PDF }) });

export async function apply(user: TestUser, jobId: string) {
  const res = await applyWithFile(user, jobId);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; status: string; [key: string]: unknown };
}

/** Moves a job's deadline into the past directly (the API refuses past deadlines). */
export const expireJob = (t: TestApp, jobId: string) =>
  t.database.db
    .update(jobs)
    .set({ application_deadline: new Date(Date.now() - 60_000) })
    .where(eq(jobs.id, jobId));
