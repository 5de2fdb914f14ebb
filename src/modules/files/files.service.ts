import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../../lib/context.js';
import { notFound } from '../../lib/errors.js';
import { isSafeKey } from '../../lib/storage.js';
import { uploadKinds, type Upload } from '../../lib/uploads.js';

const DEFAULT_TTL_SECONDS = 3600;

const signature = (ctx: AppContext, key: string, expires: number) =>
  createHmac('sha256', ctx.jwtKey).update(`file:${key}:${expires}`).digest('base64url');

/** Stores an upload under a server-generated key in a folder (e.g. "cvs", "photos"); returns the key. */
export async function storeUpload(ctx: AppContext, folder: string, upload: Upload) {
  const key = `${folder}/${randomUUID()}.${upload.extension}`;
  await ctx.storage.put(key, upload.buffer, upload.mime);
  return key;
}

/** A URL that serves the file until it expires; stored files never have a guessable public path. */
export function signedFileUrl(ctx: AppContext, key: string | null, ttlSeconds = DEFAULT_TTL_SECONDS) {
  if (!key) return null;
  const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
  return `${ctx.config.publicUrl}/api/files/${key}?expires=${expires}&signature=${signature(ctx, key, expires)}`;
}

/** The content type of a stored file, from the extension the server gave its key. */
export const contentTypeOfKey = (key: string) => {
  const extension = key.split('.').pop();
  for (const types of Object.values(uploadKinds)) {
    const found = Object.entries(types).find(([, ext]) => ext === extension);
    if (found) return found[0];
  }
  return 'application/octet-stream';
};

/** Opens a file for a signed URL; a bad, expired or forged signature reads as "not found". */
export async function openSignedFile(ctx: AppContext, key: string, expires: number, sig: string) {
  const expected = Buffer.from(signature(ctx, key, expires));
  const given = Buffer.from(sig);
  if (!isSafeKey(key) || expires < Date.now() / 1000 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw notFound('File');
  }
  const file = await ctx.storage.get(key);
  if (!file) throw notFound('File');
  return { ...file, contentType: contentTypeOfKey(key) };
}
