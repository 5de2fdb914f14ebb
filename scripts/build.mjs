// Transpiles src/ to dist/ (no bundling, same layout) so `npm start` does not pay for on-the-fly
// TypeScript compilation at every start. Skipped when dist/ is newer than every source file.
// Type checking stays with `npm run typecheck`.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !/test-helpers|testkit/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );

const sources = files('src');
const stamp = 'dist/.build-stamp';
const builtAt = (() => {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return 0;
  }
})();
const newest = Math.max(statSync('scripts/build.mjs').mtimeMs, statSync('package-lock.json').mtimeMs, ...sources.map((f) => statSync(f).mtimeMs));
if (process.argv.includes('--force') || newest > builtAt) {
  rmSync('dist', { recursive: true, force: true });
  await build({ entryPoints: sources, outdir: 'dist', outbase: 'src', format: 'esm', platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning' });
  writeFileSync(stamp, sources.join('\n'));
}
