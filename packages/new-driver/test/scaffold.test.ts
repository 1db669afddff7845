import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { scaffold } from '../src/scaffold.mjs';
import { driverFiles, pascalCase } from '../src/templates.mjs';
import { REPO_ROOT, run } from './support.js';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cam-scaffold-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const spec = { name: 'my-cam', coreSpec: '^0.1.0', coreRange: '^0.1.0' };

describe('the files of a driver package', () => {
  test('inside the workspace: @cam/driver-<name>, workspace:^, the repo tsconfig and vitest config', () => {
    const files = driverFiles({
      ...spec,
      packageName: '@cam/driver-my-cam',
      workspace: true,
      coreSpec: 'workspace:^',
      coreRange: 'workspace:^',
    });
    const manifest = JSON.parse(files['package.json']!);
    expect(manifest.name).toBe('@cam/driver-my-cam');
    expect(manifest.peerDependencies).toEqual({ '@cam/core': 'workspace:^' });
    expect(manifest.devDependencies['@cam/core']).toBe('workspace:^');
    expect(files['tsconfig.json']).toContain('"extends": "../../tsconfig.base.json"');
    expect(files['vitest.config.ts']).toContain('sharedTestConfig');
    expect(Object.keys(files)).not.toContain('biome.json'); // the repo's biome.json applies
  });

  test('stand-alone: its own biome, tsconfig and vitest config, and biome as a dev dependency', () => {
    const files = driverFiles({ ...spec, packageName: 'cam-driver-my-cam', workspace: false });
    expect(Object.keys(files).sort()).toEqual([
      '.gitignore',
      'README.md',
      'biome.json',
      'package.json',
      'src/index.ts',
      'test/conformance.test.ts',
      'tsconfig.build.json',
      'tsconfig.json',
      'vitest.config.ts',
    ]);
    expect(files['tsconfig.json']).not.toContain('extends');
    expect(JSON.parse(files['package.json']!).devDependencies).toHaveProperty('@biomejs/biome');
  });

  test('the driver is named after the argument: its name, camera id and class', () => {
    const source = driverFiles({ ...spec, packageName: 'cam-driver-my-cam', workspace: false })[
      'src/index.ts'
    ]!;
    expect(source).toContain("name: 'my-cam',");
    expect(source).toContain('export class MyCamCamera extends BaseCamera');
    expect(pascalCase('usb_cam-2')).toBe('UsbCam2');
  });
});

describe('scaffold', () => {
  test('writes every file into --out', () => {
    const out = join(tempDir(), 'driver');
    const result = scaffold({ name: 'porch', out });
    expect(result.workspace).toBe(false);
    expect(readFileSync(join(out, 'src/index.ts'), 'utf8')).toContain("name: 'porch'");
    expect(JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')).name).toBe('cam-driver-porch');
  });

  test.each([['Porch'], ['1cam'], ['my cam'], ['../x'], ['a'.repeat(40)]])('refuses the name %j', (name) => {
    expect(() => scaffold({ name, out: join(tempDir(), 'driver') })).toThrow(/^invalid driver name/);
  });

  test('refuses a directory that is not empty', () => {
    const out = tempDir();
    writeFileSync(join(out, 'keep.txt'), 'mine');
    expect(() => scaffold({ name: 'porch', out })).toThrow(`${out} exists and is not empty`);
  });
});

describe('pnpm new-driver', () => {
  test('writes the package where --out says, relative to where it was run', async () => {
    const dir = tempDir();
    // pnpm runs the root script in the repo's root, and tells it where it was run (INIT_CWD).
    const result = await run(
      'pnpm',
      ['--silent', '--dir', REPO_ROOT, 'new-driver', 'porch', '--out', 'drivers/porch'],
      {
        cwd: dir,
        timeout: 30_000,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`wrote 9 files to ${join(dir, 'drivers/porch')}`);
  });

  test('a bad name: one line on stderr and exit code 1', async () => {
    const result = await run(
      process.execPath,
      [join(REPO_ROOT, 'packages/new-driver/src/cli.mjs'), 'Bad Name'],
      {
        cwd: tempDir(),
        timeout: 30_000,
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^new-driver: invalid driver name "Bad Name": [^\n]*\n$/);
  });
});
