import { fileTypeFromBuffer } from 'file-type';
import type { FastifyRequest } from 'fastify';
import { AppError, badRequest } from './errors.js';

export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

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

/**
 * Reads the multipart field `file`, at most 5 MB, and checks its real type from the bytes
 * (not the name or the declared type). Nothing is stored here, so a rejected upload leaves nothing behind.
 */
export async function readUpload(request: FastifyRequest, kind: UploadKind): Promise<Upload> {
  if (!request.isMultipart()) throw new AppError(415, 'unsupported_media_type', 'Send multipart/form-data with a field named "file"');
  const file = await request.file({ limits: { fileSize: MAX_UPLOAD_BYTES } });
  if (!file || file.fieldname !== 'file') throw badRequest('file', 'is required (multipart field "file")');
  let buffer: Buffer;
  try {
    buffer = await file.toBuffer();
  } catch (err) {
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new AppError(413, 'payload_too_large', `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
    }
    throw err;
  }
  if (file.file.truncated) throw new AppError(413, 'payload_too_large', `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
  return checkUpload(buffer, kind, file.filename);
}

/** The type check of readUpload, from the bytes: 415 unless the content really is one of the kind's types. */
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
 * A multipart form with an optional file (field `file`, same rules as readUpload) and text fields in
 * any order (readUpload only sees the fields sent before the file).
 */
export async function readUploadForm(request: FastifyRequest, kind: UploadKind): Promise<{ upload?: Upload; fields: Record<string, string> }> {
  if (!request.isMultipart()) throw new AppError(415, 'unsupported_media_type', 'Send multipart/form-data');
  const fields: Record<string, string> = {};
  let upload: Upload | undefined;
  for await (const part of request.parts({ limits: { fileSize: MAX_UPLOAD_BYTES } })) {
    if (part.type === 'field') {
      fields[part.fieldname] = String(part.value);
      continue;
    }
    let buffer: Buffer;
    try {
      buffer = await part.toBuffer();
    } catch (err) {
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        throw new AppError(413, 'payload_too_large', `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
      }
      throw err;
    }
    if (part.fieldname !== 'file') throw badRequest(part.fieldname, 'is not an allowed file field (use "file")');
    upload = await checkUpload(buffer, kind, part.filename);
  }
  return { upload, fields };
}
