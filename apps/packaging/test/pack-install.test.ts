// The packages as users get them: packed with `pnpm pack`, installed with npm from the tarballs into
// fresh projects outside the workspace (TypeScript NodeNext, plain ESM JavaScript, TypeScript with bundler
// resolution + an esbuild bundle), each running an emulated camera behind @cam/http-mjpeg.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = [
  'core',
  'http-mjpeg',
  'auth',
  'recorder',
  'driver-emulated',
  'driver-pi',
  'driver-opencv',
  'driver-mjpeg',
  'driver-ffmpeg',
];
/** What the projects install: everything that needs nothing from the registry. */
const INSTALLED = ['core', 'http-mjpeg', 'driver-emulated'];
const TSC = require.resolve('typescript/bin/tsc');
const TYPE_ROOTS = dirname(dirname(require.resolve('@types/node/package.json')));
const DEFAULT_FRAME_SIZES = ['1.jpg', '2.jpg', '3.jpg'].map(
  (name) => readFileSync(join(REPO, 'packages/driver-emulated/frames', name)).length,
);

/** The app every project runs: a snapshot from an emulated camera over real HTTP, printed as JSON. */
const APP = `import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmulatedCamera } from '@cam/driver-emulated';
import { createSnapshotHandler } from '@cam/http-mjpeg';
import { isCameraDriver } from '@cam/core';
import { driver } from '@cam/driver-emulated';

const camera = new EmulatedCamera({ fps: 10 });
const snapshot = createSnapshotHandler(camera);
const server = createServer((req, res) => snapshot(req, res));
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address() as AddressInfo;
  const res = await fetch('http://127.0.0.1:' + port + '/');
  const body = Buffer.from(await res.arrayBuffer());
  const jpeg = body[0] === 0xff && body[1] === 0xd8;
  console.log(JSON.stringify({ status: res.status, type: res.headers.get('content-type'), jpeg, bytes: body.length, driver: isCameraDriver(driver) }));
  await camera.close();
  server.close();
});
`;
const APP_JS = APP.replace("import type { AddressInfo } from 'node:net';\n", '').replace(
  ' as AddressInfo',
  '',
);

let workDir: string;
const tarballs = new Map<string, string>();

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'cam-pack-'));
  const packed = join(workDir, 'tarballs');
  for (const name of PACKAGES) {
    await run('pnpm', ['pack', '--pack-destination', packed], { cwd: join(REPO, 'packages', name) });
  }
  for (const file of readdirSync(packed)) {
    const name = PACKAGES.find(
      (p) => file.startsWith(`cam-${p}-`) && /^\d/.test(file.slice(`cam-${p}-`.length)),
    );
    if (name) tarballs.set(name, join(packed, file));
  }
}, 120_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The manifest inside a tarball. */
async function packedManifest(tarball: string): Promise<Record<string, unknown>> {
  const { stdout } = await run('tar', ['-xzOf', tarball, 'package/package.json']);
  return JSON.parse(stdout);
}

/** A fresh project outside the workspace with the tarballs installed by npm. */
async function project(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(workDir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const specs = INSTALLED.map((pkg) => tarballs.get(pkg)!);
  await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', ...specs], {
    cwd: dir,
  });
  return dir;
}

async function runApp(file: string, cwd: string) {
  const { stdout } = await run(process.execPath, [file], { cwd, timeout: 20_000 });
  return JSON.parse(stdout.trim());
}

function expectSnapshot(result: {
  status: number;
  type: string;
  jpeg: boolean;
  bytes: number;
  driver: boolean;
}) {
  expect(result).toMatchObject({ status: 200, type: 'image/jpeg', jpeg: true, driver: true });
  expect(DEFAULT_FRAME_SIZES).toContain(result.bytes);
}

describe('pnpm pack', () => {
  test.each(PACKAGES)('@cam/%s packs with what a registry release needs', async (name) => {
    const tarball = tarballs.get(name);
    expect(tarball, `no tarball for ${name}`).toBeDefined();
    const manifest = await packedManifest(tarball!);
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
    expect(manifest).toMatchObject({
      name: `@cam/${name}`,
      type: 'module',
      license: 'MIT',
      engines: { node: '>=20.19' },
      publishConfig: { access: 'public' },
      repository: { type: 'git', directory: `packages/${name}` },
    });
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/);
    const root = (manifest.exports as Record<string, Record<string, string>>)['.']!;
    expect(Object.keys(root)[0], 'types first').toBe('types');
    const { stdout } = await run('tar', ['-tzf', tarball!]);
    const files = stdout.split('\n');
    expect(files).toContain(`package/${root.types!.replace('./', '')}`);
    expect(files).toContain(`package/${root.default!.replace('./', '')}`);
    expect(files).toContain('package/README.md');
    expect(files.some((file) => file.includes('/test/'))).toBe(false);
  });
});

describe('installed from the tarballs, outside the workspace', { timeout: 120_000 }, () => {
  test('TypeScript with "module": "NodeNext" compiles and runs a camera', async () => {
    const dir = await project('nodenext-ts', {
      'src/main.ts': APP,
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          outDir: 'dist',
          types: ['node'],
          typeRoots: [TYPE_ROOTS],
        },
        include: ['src'],
      }),
    });
    await run(process.execPath, [TSC, '-p', '.'], { cwd: dir });
    expectSnapshot(await runApp('dist/main.js', dir));
  });

  test('plain ESM JavaScript runs a camera', async () => {
    const dir = await project('plain-esm', { 'main.js': APP_JS });
    expectSnapshot(await runApp('main.js', dir));
  });

  test('"moduleResolution": "bundler" type-checks; its esbuild bundle serves the default frames alone', async () => {
    const dir = await project('bundler-ts', {
      'src/main.ts': APP,
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          module: 'ESNext',
          moduleResolution: 'bundler',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          types: ['node'],
          typeRoots: [TYPE_ROOTS],
        },
        include: ['src'],
      }),
    });
    await run(process.execPath, [TSC, '-p', '.'], { cwd: dir });
    await build({
      entryPoints: [join(dir, 'src/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: join(dir, 'out/app.mjs'),
      logLevel: 'silent',
    });
    // Deployed on its own: no node_modules, no frames/ directory anywhere near it.
    const deployed = join(workDir, 'deployed');
    mkdirSync(deployed);
    cpSync(join(dir, 'out/app.mjs'), join(deployed, 'app.mjs'));
    expectSnapshot(await runApp('app.mjs', deployed));
  });
});
