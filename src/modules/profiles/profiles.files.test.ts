import { eq } from 'drizzle-orm';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problemOf, type TestApp, member, fileUpload, DOCX, PDF, PNG } from '../../../test/helpers.js';
import { profiles } from './profiles.tables.js';
import { COMPLETION_WEIGHTS } from './profiles.rules.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const storedFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).filter((f) => String(f).includes('.')) : []);
const fetchSigned = (url: string) => t.app.inject({ method: 'GET', url: url.replace(t.config.publicUrl, '') });

describe('POST /api/profiles/upload-cv and /upload-photo (local disk)', () => {
  it('when a member uploads a PDF, then it is stored under a server-chosen name and served through a signed URL to the owner only', async () => {
    const user = await member(t);
    const res = await user.inject({
      method: 'POST',
      url: '/api/profiles/upload-cv',
      ...fileUpload(PDF, { filename: '../../etc/passwd.pdf', type: 'application/pdf' }),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.cv_url).toMatch(/\/api\/files\/cvs\/[0-9a-f-]{36}\.pdf\?expires=\d+&signature=/);
    expect(body.profile_completion_percentage).toBe(user.profile.profile_completion_percentage + COMPLETION_WEIGHTS.cv);
    const file = await fetchSigned(body.cv_url);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.rawPayload.equals(PDF)).toBe(true);
    const [row] = await t.database.db.select().from(profiles).where(eq(profiles.user_id, user.id));
    expect(row.cv_key).toMatch(/^cvs\/[0-9a-f-]{36}\.pdf$/);
    // Other members never get the CV link; admins do.
    const other = await t.user();
    expect((await other.inject({ method: 'GET', url: `/api/profiles/${user.id}` })).json().cv_url).toBeNull();
    expect((await (await t.user('admin')).inject({ method: 'GET', url: `/api/profiles/${user.id}` })).json().cv_url).toMatch(/signature=/);
    // A tampered signature reads 404.
    const tampered = body.cv_url.replace(/signature=(.)/, (_: string, c: string) => `signature=${c === 'A' ? 'B' : 'A'}`);
    expect((await fetchSigned(tampered)).statusCode).toBe(404);
  });

  it('when a new CV replaces the old one, then the old file is removed', async () => {
    const user = await member(t);
    const first = (await user.inject({ method: 'POST', url: '/api/profiles/upload-cv', ...fileUpload(PDF) })).json();
    const second = (await user.inject({ method: 'POST', url: '/api/profiles/upload-cv', ...fileUpload(PDF) })).json();
    expect((await fetchSigned(first.cv_url)).statusCode).toBe(404);
    expect((await fetchSigned(second.cv_url)).statusCode).toBe(200);
  });

  it('when the CV is a Word document (DOCX), then it is stored with its own extension', async () => {
    const user = await member(t);
    const res = await user.inject({ method: 'POST', url: '/api/profiles/upload-cv', ...fileUpload(DOCX, { filename: 'cv.docx' }) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().cv_url).toMatch(/\.docx\?/);
    expect((await fetchSigned(res.json().cv_url)).statusCode).toBe(200);
  });

  it('when a member uploads a PNG photo, then photo_url appears everywhere the profile is shown', async () => {
    const user = await member(t, { name: 'Photo Phil' });
    const res = await user.inject({
      method: 'POST',
      url: '/api/profiles/upload-photo',
      ...fileUpload(PNG, { filename: 'me.png', type: 'image/png' }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().photo_url).toMatch(/\/api\/files\/photos\/[0-9a-f-]{36}\.png\?/);
    const other = await t.user();
    const search = (await other.inject({ method: 'GET', url: '/api/profiles/search?name=photo%20phil' })).json();
    expect(search.results[0].photo_url).toMatch(/\/api\/files\/photos\//);
    expect((await user.inject({ method: 'GET', url: '/api/auth/me' })).json().profile.photo_url).toMatch(/\/api\/files\/photos\//);
  });

  it('when the caller has no profile yet, then an upload creates it', async () => {
    const user = await t.user('student');
    const res = await user.inject({ method: 'POST', url: '/api/profiles/upload-cv', ...fileUpload(PDF) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user_id: user.id, name: user.name });
  });

  it('when the bytes are not an allowed type, then it is 415 whatever the name and declared type, and nothing is stored', async () => {
    const user = await member(t);
    const before = storedFiles(join(t.dataDir, 'uploads')).length;
    const fakePdf = await user.inject({
      method: 'POST',
      url: '/api/profiles/upload-cv',
      ...fileUpload(Buffer.from('MZ this is an exe'), { filename: 'cv.pdf', type: 'application/pdf' }),
    });
    expect(fakePdf.statusCode).toBe(415);
    expect(problemOf(fakePdf).code).toBe('unsupported_media_type');
    const pngAsCv = await user.inject({ method: 'POST', url: '/api/profiles/upload-cv', ...fileUpload(PNG, { filename: 'cv.pdf' }) });
    expect(pngAsCv.statusCode).toBe(415);
    const pdfAsPhoto = await user.inject({
      method: 'POST',
      url: '/api/profiles/upload-photo',
      ...fileUpload(PDF, { filename: 'me.png', type: 'image/png' }),
    });
    expect(pdfAsPhoto.statusCode).toBe(415);
    expect(storedFiles(join(t.dataDir, 'uploads')).length).toBe(before);
    expect((await user.inject({ method: 'GET', url: '/api/profiles/me' })).json()).toMatchObject({ cv_url: null, photo_url: null });
  });

  it('when the file is larger than 5 MB, then it is 413 and nothing is stored', async () => {
    const user = await member(t);
    const before = storedFiles(join(t.dataDir, 'uploads')).length;
    const big = Buffer.concat([PDF, Buffer.alloc(5 * 1024 * 1024 + 10, 0x20)]);
    const res = await user.inject({ method: 'POST', url: '/api/profiles/upload-cv', ...fileUpload(big, { filename: 'cv.pdf' }) });
    expect(res.statusCode).toBe(413);
    expect(problemOf(res).code).toBe('payload_too_large');
    expect(storedFiles(join(t.dataDir, 'uploads')).length).toBe(before);
    expect((await user.inject({ method: 'GET', url: '/api/profiles/me' })).json().cv_url).toBeNull();
  });

  it('when the body is not multipart or has no file field, then it is 415 or 400; anonymous is 401', async () => {
    const user = await member(t);
    expect((await user.inject({ method: 'POST', url: '/api/profiles/upload-cv', payload: { file: 'x' } })).statusCode).toBe(415);
    expect(
      (await user.inject({ method: 'POST', url: '/api/profiles/upload-cv', ...fileUpload(PDF, { field: 'document' }) })).statusCode,
    ).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/profiles/upload-cv', ...fileUpload(PDF) })).statusCode).toBe(401);
  });
});

describe('uploads with S3-compatible storage', () => {
  let server: Server;
  let s3: TestApp;
  const objects = new Map<string, Buffer>();
  beforeAll(async () => {
    // A local stand-in for S3 (path-style PUT/GET/DELETE): no network beyond localhost.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const key = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
        if (req.method === 'PUT') {
          objects.set(key, Buffer.concat(chunks));
          res.writeHead(200, { etag: '"x"' }).end();
        } else if (req.method === 'GET' && objects.has(key)) {
          res.writeHead(200, { 'content-length': objects.get(key)!.length }).end(objects.get(key));
        } else if (req.method === 'DELETE') {
          objects.delete(key);
          res.writeHead(204).end();
        } else {
          res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code><Message>none</Message></Error>');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    s3 = await createTestApp({
      S3_BUCKET: 'cohort-test',
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'test',
      S3_SECRET_ACCESS_KEY: 'test-secret',
    });
  });
  afterAll(async () => {
    await s3?.close();
    server?.close();
  });

  it('when a CV is uploaded, then it lands in the bucket, is served through the signed URL, and a replaced one is deleted', async () => {
    const user = await s3.user();
    const first = (await user.inject({ method: 'POST', url: '/api/profiles/upload-cv', ...fileUpload(PDF) })).json();
    expect([...objects.keys()]).toEqual([expect.stringMatching(/^\/cohort-test\/cvs\/[0-9a-f-]{36}\.pdf$/)]);
    const file = await s3.app.inject({ method: 'GET', url: first.cv_url.replace(s3.config.publicUrl, '') });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(PDF)).toBe(true);
    await user.inject({ method: 'POST', url: '/api/profiles/upload-cv', ...fileUpload(PDF) });
    expect(objects.size).toBe(1);
    const rejected = await user.inject({ method: 'POST', url: '/api/profiles/upload-photo', ...fileUpload(PDF) });
    expect(rejected.statusCode).toBe(415);
    expect(objects.size).toBe(1);
  });
});
