// Proves @cam/core and @cam/driver-emulated work outside this repo: packs both with pnpm (which turns
// `workspace:^` into real ranges), installs the two tarballs with npm into a throwaway project under
// os.tmpdir(), and runs plain Node there against what was installed.
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const corePackage = join(repoRoot, 'packages/core');
const driverPackage = join(repoRoot, 'packages/driver-emulated');

interface PackageJson {
  name: string;
  version: string;
  exports: Record<string, string | { types?: string; default?: string }>;
  peerDependencies?: Record<string, string>;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** The environment without pnpm's `npm_*`/`pnpm_*` variables, so npm and node run as a user would. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm|pnpm)_/i.test(key) && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return env;
}

/** Runs a command (no shell) and returns its stdout; a failure or timeout rejects with all its output. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; timeout: number; env?: NodeJS.ProcessEnv },
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeout, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `${command} ${args.join(' ')} (in ${options.cwd}) failed: ${error.message}\n` +
                `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
            ),
          );
        } else {
          resolvePromise(stdout);
        }
      },
    );
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

/**
 * True when every .js and .d.ts that `tsc -p tsconfig.build.json` makes from `src/` exists and is newer
 * than every input. The build rewrites dist/ even when nothing changed, and the other test files of this
 * run (and of other packages) import @cam/core from dist/ at the same time, so the build runs only when
 * it would change something.
 */
function distIsFresh(packageDir: string): boolean {
  const src = join(packageDir, 'src');
  const sources = filesUnder(src).filter((path) => path.endsWith('.ts'));
  const inputs = [
    ...sources,
    join(packageDir, 'package.json'),
    join(packageDir, 'tsconfig.json'),
    join(packageDir, 'tsconfig.build.json'),
    join(repoRoot, 'tsconfig.base.json'),
  ];
  const newestInput = Math.max(...inputs.map((path) => statSync(path).mtimeMs));
  return sources.every((source) => {
    const base = join(packageDir, 'dist', relative(src, source)).replace(/\.ts$/, '');
    return [`${base}.js`, `${base}.d.ts`].every(
      (output) => existsSync(output) && statSync(output).mtimeMs >= newestInput,
    );
  });
}

// Plain Node in the consumer project: no TypeScript, no vitest, only what npm installed.
const consumerScript = `
import { EmulatedCamera, driver } from '@cam/driver-emulated';
import { BaseCamera, isCameraError } from '@cam/core';
import { TestCamera } from '@cam/core/testing';

const camera = new EmulatedCamera({ fps: 20 });
const viewer = camera.subscribe();
const frames = [];
for (let i = 0; i < 3; i++) {
  const frame = await viewer.next();
  const { data } = frame;
  frames.push({
    seq: frame.seq,
    bytes: data.length,
    soi: data[0] === 0xff && data[1] === 0xd8,
    eoi: data[data.length - 2] === 0xff && data[data.length - 1] === 0xd9,
  });
}
viewer.close();
const instanceOfBase = camera instanceof BaseCamera;
await camera.close();

let optionError;
try {
  driver.parseOptions({ fps: 'fast' });
} catch (error) {
  optionError = { isCameraError: isCameraError(error), code: error.code };
}

const fromDriver = driver.createCamera(driver.parseOptions({ fps: '20' }));
const testCamera = new TestCamera();

console.log(JSON.stringify({
  frames,
  instanceOfBase,
  driverName: driver.name,
  driverCamera: fromDriver instanceof EmulatedCamera && fromDriver instanceof BaseCamera && fromDriver.fps,
  testCameraIsBase: testCamera instanceof BaseCamera,
  optionError,
  resolved: {
    core: import.meta.resolve('@cam/core'),
    testing: import.meta.resolve('@cam/core/testing'),
    driver: import.meta.resolve('@cam/driver-emulated'),
  },
}));
await fromDriver.close();
await testCamera.close();
`;

interface ConsumerSummary {
  frames: { seq: number; bytes: number; soi: boolean; eoi: boolean }[];
  instanceOfBase: boolean;
  driverName: string;
  driverCamera: number | false;
  testCameraIsBase: boolean;
  optionError?: { isCameraError: boolean; code: string };
  resolved: { core: string; testing: string; driver: string };
}

describe('packed @cam/core and @cam/driver-emulated, installed with npm outside the workspace', () => {
  let root: string;
  let project: string;
  let tarballs: { core: string; driver: string };

  beforeAll(async () => {
    // dist/ is what gets published, so it must be current (turbo's test -> build does this too).
    if (!distIsFresh(corePackage) || !distIsFresh(driverPackage)) {
      await run('pnpm', ['--filter', '@cam/core', '--filter', '@cam/driver-emulated', 'run', 'build'], {
        cwd: repoRoot,
        timeout: 90_000,
      });
    }

    root = await mkdtemp(join(tmpdir(), 'cam-pack-'));
    const packDir = join(root, 'tarballs');
    project = join(root, 'consumer');
    await mkdir(packDir);
    await mkdir(project);

    for (const dir of [corePackage, driverPackage]) {
      await run('pnpm', ['pack', '--pack-destination', packDir], { cwd: dir, timeout: 60_000 });
    }
    const packed = readdirSync(packDir);
    const find = (prefix: string) => {
      const name = packed.find((file) => file.startsWith(prefix) && file.endsWith('.tgz'));
      if (!name) throw new Error(`no ${prefix}*.tgz in ${packDir}: ${packed.join(', ')}`);
      return join(packDir, name);
    };
    tarballs = { core: find('cam-core-'), driver: find('cam-driver-emulated-') };

    await writeFile(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'cam-pack-consumer', private: true, type: 'module' }, null, 2)}\n`,
    );
    // Both tarballs in one command: the driver's peer @cam/core (not on the registry) is satisfied by
    // the local core tarball, so npm never asks the registry for it.
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--offline=false', tarballs.core, tarballs.driver],
      { cwd: project, timeout: 90_000, env: cleanEnv() },
    );
  }, 120_000);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('the project is outside the workspace and got one real copy of each package', () => {
    expect(relative(repoRoot, project).startsWith('..')).toBe(true);
    const core = join(project, 'node_modules/@cam/core');
    const driver = join(project, 'node_modules/@cam/driver-emulated');
    expect(lstatSync(core).isSymbolicLink()).toBe(false);
    expect(lstatSync(driver).isSymbolicLink()).toBe(false);
    // The peer is the top-level core, not a nested second copy.
    expect(existsSync(join(driver, 'node_modules/@cam/core'))).toBe(false);

    expect(readPackageJson(core).version).toBe(readPackageJson(corePackage).version);
    const driverManifest = readPackageJson(driver);
    expect(driverManifest.version).toBe(readPackageJson(driverPackage).version);
    expect(driverManifest.peerDependencies?.['@cam/core']).toBe(`^${readPackageJson(corePackage).version}`);
    expect(readFileSync(join(driver, 'package.json'), 'utf8')).not.toContain('workspace:');

    expect(readdirSync(join(driver, 'frames')).sort()).toEqual(['1.jpg', '2.jpg', '3.jpg']);
  });

  test('ships the TypeScript declarations its exports point at', () => {
    for (const name of ['@cam/core', '@cam/driver-emulated']) {
      const dir = join(project, 'node_modules', name);
      expect(existsSync(join(dir, 'dist/index.d.ts')), `${name}: dist/index.d.ts`).toBe(true);
      const manifest = readPackageJson(dir);
      const subpaths = name === '@cam/core' ? ['.', './testing'] : ['.'];
      for (const subpath of subpaths) {
        const entry = manifest.exports[subpath];
        expect(typeof entry, `${name} exports["${subpath}"]`).toBe('object');
        const { types, default: main } = entry as { types?: string; default?: string };
        expect(types, `${name} exports["${subpath}"].types`).toMatch(/\.d\.ts$/);
        expect(existsSync(resolve(dir, types!)), `${name}: ${types}`).toBe(true);
        expect(existsSync(resolve(dir, main!)), `${name}: ${main}`).toBe(true);
      }
    }
  });

  test('plain Node imports both packages and streams JPEG frames', async () => {
    await writeFile(join(project, 'check.mjs'), consumerScript);
    const stdout = await run(process.execPath, ['check.mjs'], {
      cwd: project,
      timeout: 30_000,
      env: cleanEnv(),
    });
    const lastLine = stdout.trim().split('\n').at(-1)!;
    const summary = JSON.parse(lastLine) as ConsumerSummary;

    expect(summary.frames).toHaveLength(3);
    for (const frame of summary.frames) {
      expect(frame.soi).toBe(true);
      expect(frame.eoi).toBe(true);
      expect(frame.bytes).toBeGreaterThan(100);
    }
    const seqs = summary.frames.map((frame) => frame.seq);
    expect(seqs[1]).toBeGreaterThan(seqs[0]!);
    expect(seqs[2]).toBeGreaterThan(seqs[1]!);

    // One copy of core: the driver's camera is an instance of the BaseCamera the consumer imported.
    expect(summary.instanceOfBase).toBe(true);
    expect(summary.driverName).toBe('emulated');
    expect(summary.driverCamera).toBe(20);
    expect(summary.testCameraIsBase).toBe(true);
    expect(summary.optionError).toEqual({ isCameraError: true, code: 'INVALID_OPTION' });

    // Everything came from the consumer's node_modules, not from the workspace.
    for (const url of Object.values(summary.resolved)) {
      const path = fileURLToPath(url);
      expect(relative(join(project, 'node_modules'), path).startsWith('..'), path).toBe(false);
    }
  });
});
