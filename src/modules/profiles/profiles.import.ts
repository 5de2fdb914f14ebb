import type { Readable } from 'node:stream';
import type { AppContext } from '../../lib/context.js';

export interface ImportReport {
  created: number;
  updated: number;
  skipped: number;
  errors: { line: number; message: string }[];
}

/** Streams an alumni CSV (API.md "Alumni import") into users and profiles. Filled in by the profiles module. */
export async function importAlumni(_ctx: AppContext, _input: Readable): Promise<ImportReport> {
  throw new Error('alumni import is not implemented yet');
}
