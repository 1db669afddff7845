// Bundles the web app (web/*.ts) into dist/web with esbuild: one script per page and one stylesheet,
// each named with a hash of its content, so the server can let browsers cache them for good
// (cache-busting). dist/web/manifest.json maps each entry to its file; the server reads it at start.
// The sources are type-checked first (tsc, web/tsconfig.json: DOM types, no Node types).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, 'dist', 'web');

execFileSync(
  process.execPath,
  [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'web/tsconfig.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { home: 'web/home.ts', camera: 'web/camera.ts', style: 'web/style.css' },
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['chrome100', 'firefox115', 'safari15'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
});

const manifest = {};
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (!output.entryPoint || file.endsWith('.map')) continue;
  const name = basename(file).replace(/-[A-Z0-9]+\.(js|css)$/, '');
  manifest[name] = relative(out, join(root, file));
}
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`web app: ${Object.values(manifest).join(', ')}`);
