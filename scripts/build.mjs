// Transpiles src/ to dist/ (no bundling, same layout) so `npm start` does not pay for on-the-fly
// TypeScript compilation at every start. Skipped when dist/ is newer than every source file
// (`--force` rebuilds anyway). Type checking stays with `npm run typecheck`.
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (...parts) => join(root, ...parts);
const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );

const sources = files(at('src'));
const stamp = at('dist', '.build-stamp');
const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
};
const newest = Math.max(mtime(at('scripts', 'build.mjs')), mtime(at('package-lock.json')), ...sources.map(mtime));
if (process.argv.includes('--force') || newest > mtime(stamp)) {
  // esbuild is imported only when there is something to build.
  const { build } = await import('esbuild');
  rmSync(at('dist'), { recursive: true, force: true });
  await build({
    entryPoints: sources,
    outdir: at('dist'),
    outbase: at('src'),
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  writeFileSync(stamp, new Date().toISOString());
}
