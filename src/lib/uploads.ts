import type { Static, TObject } from '@sinclair/typebox';
import { fileTypeFromBuffer } from 'file-type';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { getSetting } from '../modules/admin/settings.service.js';
import { MAX_UPLOAD_CEILING_BYTES } from '../modules/admin/settings.rules.js';
import { AppError, badRequest } from './errors.js';

/** The hard ceiling (the multipart plugin's own limit, src/app.ts); the setting max_upload_bytes can only lower it. */
export const MAX_UPLOAD_BYTES = MAX_UPLOAD_CEILING_BYTES;

export const uploadKinds = {
  cv: { 'application/pdf': 'pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx' },
  image: { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' },
} as const;
export type UploadKind = keyof typeof uploadKinds;

export interface Upload {
  buffer: Buffer;
  mime: string;
  extension: string;
  /** The client's file name: display only, never used as a path. */
  originalName: string;
}

const sizeText = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${Number((bytes / 1024 / 1024).toFixed(2))} MB` : `${Number((bytes / 1024).toFixed(1))} KB`;
const tooLarge = (maxBytes: number) => new AppError(413, 'payload_too_large', `The file is larger than ${sizeText(maxBytes)}`);

/**
 * The one place the upload limit is decided (CV, photo, banner, application CV): the admin setting
 * max_upload_bytes, from the instance's in-memory copy (no statement), never above the ceiling.
 */
async function uploadLimit(request: FastifyRequest): Promise<number> {
  return Math.min(await getSetting(request.server.ctx, 'max_upload_bytes'), MAX_UPLOAD_BYTES);
}

/** The type check, from the bytes: 415 unless the content really is one of the kind's types. */
async function checkUpload(buffer: Buffer, kind: UploadKind, originalName: string): Promise<Upload> {
  if (!buffer.length) throw badRequest('file', 'is empty');
  const detected = await fileTypeFromBuffer(buffer);
  const allowed = uploadKinds[kind] as Record<string, string>;
  if (!detected || !allowed[detected.mime]) {
    throw new AppError(415, 'unsupported_media_type', `file must be one of: ${Object.values(allowed).join(', ').toUpperCase()}`, [
      { field: 'file', message: `must be ${Object.values(allowed).join(' or ')}` },
    ]);
  }
  return { buffer, mime: detected.mime, extension: allowed[detected.mime], originalName };
}

/**
 * A multipart form: an optional file in the field `file` (at most the setting max_upload_bytes, 5 MB by default, its real type checked from
 * the bytes, not the name or the declared type) and text fields in any order. Nothing is stored
 * here, so a rejected upload leaves nothing behind.
 */
export async function readUploadForm(
  request: FastifyRequest,
  kind: UploadKind,
): Promise<{ upload?: Upload; fields: Record<string, string> }> {
  if (!request.isMultipart()) throw new AppError(415, 'unsupported_media_type', 'Send multipart/form-data with a field named "file"');
  const fields: Record<string, string> = {};
  let upload: Upload | undefined;
  const maxBytes = await uploadLimit(request);
  for await (const part of request.parts({ limits: { fileSize: maxBytes } })) {
    if (part.type === 'field') {
      fields[part.fieldname] = String(part.value);
      continue;
    }
    const buffer = await part.toBuffer().catch((err: { code?: string }) => {
      throw err.code === 'FST_REQ_FILE_TOO_LARGE' ? tooLarge(maxBytes) : err;
    });
    if (part.fieldname !== 'file') throw badRequest(part.fieldname, 'is not an allowed file field (use "file")');
    upload = await checkUpload(buffer, kind, part.filename);
  }
  return { upload, fields };
}

/**
 * The text fields of a multipart form, validated by the same schema (and validator) as the JSON body
 * the route also accepts: a form field is text, and the validator reads "true"/"false" and digits
 * as the booleans and integers the schema declares. A failure is the same 400 as for JSON.
 */
export function formFields<T extends TObject>(request: FastifyRequest, schema: T, fields: Record<string, string>): Static<T> {
  const data: Record<string, unknown> = { ...fields };
  const validate = request.compileValidationSchema(schema, 'body');
  if (!validate(data)) {
    throw Object.assign(new Error('body is invalid'), { statusCode: 400, validation: validate.errors, validationContext: 'body' });
  }
  return data as Static<T>;
}

/** A multipart form whose text fields follow `schema` (see formFields), with its optional file. */
export async function readForm<T extends TObject>(request: FastifyRequest, kind: UploadKind, schema: T) {
  const { upload, fields } = await readUploadForm(request, kind);
  return { ...formFields(request, schema, fields), upload };
}

/** An upload whose only purpose is the file (CV, photo): the field `file` is required. */
export async function readUpload(request: FastifyRequest, kind: UploadKind): Promise<Upload> {
  const { upload } = await readUploadForm(request, kind);
  if (!upload) throw badRequest('file', 'is required (multipart field "file")');
  return upload;
}

/**
 * A large upload read as a stream (the alumni CSV import: memory stays flat in the file size): the
 * multipart field `file`, which the stream fails with 413 past maxBytes. The service reads the stream;
 * it never sees the request.
 */
export async function readUploadStream(request: FastifyRequest, maxBytes: number): Promise<Readable> {
  if (!request.isMultipart()) throw new AppError(415, 'unsupported_media_type', 'Send multipart/form-data with a file in the field "file"');
  const file = await request.file({ limits: { fileSize: maxBytes, files: 1 } });
  if (!file || file.fieldname !== 'file') throw badRequest('file', 'is required (multipart field "file")');
  file.file.on('limit', () =>
    file.file.destroy(new AppError(413, 'payload_too_large', `The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`)),
  );
  return file.file;
}
