import { randomUUID } from 'node:crypto';

export interface FilePart {
  data: Buffer;
  filename?: string;
  /** The form field; `file` unless given. */
  field?: string;
  /** The part's Content-Type; application/octet-stream unless given. */
  type?: string;
}

/** A multipart/form-data body for app.inject: text fields, then an optional file part. */
export function multipart(fields: Record<string, string>, file?: FilePart) {
  const boundary = `----cohort${randomUUID().replace(/-/g, '')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename ?? 'upload.bin'}"\r\n` +
          `Content-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A body with one file part only (uploads of photos, CVs, imports). */
export const fileUpload = (data: Buffer, options: Omit<FilePart, 'data'> = {}) => multipart({}, { data, ...options });
