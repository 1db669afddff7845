// The whole path of a third-party driver, as a new user takes it: scaffold a package OUTSIDE this
// workspace, install @cam/core into it from `pnpm pack` (its own copy, not this repo's), build it, run
// its lint, typecheck and conformance tests, then run the real server with CAMERA=<its path> and read a
// frame with ffmpeg. Its errors must read exactly as a built-in driver's do.
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { testJpeg } from '@cam/core/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scaffold } from '../src/scaffold.mjs';
import { cleanEnv, hasTool, REPO_ROOT, run, runOk, SERVER_MAIN, startServer } from './support.js';

const INSTALL_FFMPEG = 'apt-get install ffmpeg';

let root: string;
let driverDir: string;
let frame: string;

beforeAll(async () => {
  for (const dist of [join(REPO_ROOT, 'packages/core/dist/index.js'), SERVER_MAIN]) {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run "pnpm build" first`);
  }
  root = mkdtempSync(join(tmpdir(), 'cam-new-driver-'));
  await runOk('pnpm', ['pack', '--pack-destination', root], {
    cwd: join(REPO_ROOT, 'packages/core'),
    timeout: 60_000,
  });
  const tarball = readdirSync(root).find((name) => /^cam-core-.*\.tgz$/.test(name));
  if (!tarball) throw new Error(`pnpm pack left no cam-core-*.tgz in ${root}`);

  driverDir = join(root, 'cam-driver-demo');
  scaffold({ name: 'demo', out: driverDir, core: `file:${join(root, tarball)}` });
  // Outside any workspace: pnpm installs this package alone, from its store only. The scaffold asks for
  // the versions this workspace uses, so `pnpm install` here has put all of them in the store; offline,
  // the test never waits on the registry (`--prefer-offline` still asks it which versions are newest).
  await runOk('pnpm', ['install', '--offline', '--ignore-workspace', '--config.confirmModulesPurge=false'], {
    cwd: driverDir,
    timeout: 180_000,
  });
  await runOk('pnpm', ['run', 'build'], { cwd: driverDir, timeout: 60_000 });

  frame = join(root, 'frame.jpg');
  writeFileSync(frame, testJpeg(42));
}, 300_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a driver package scaffolded outside the workspace', () => {
  test('lives outside the repo, with its own copy of @cam/core from the packed tarball', () => {
    expect(relative(REPO_ROOT, driverDir).startsWith('..')).toBe(true);
    const core = realpathSync(join(driverDir, 'node_modules/@cam/core'));
    expect(relative(REPO_ROOT, core).startsWith('..'), core).toBe(true);
    expect(existsSync(join(core, 'dist/index.js'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(driverDir, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('cam-driver-demo');
    expect(manifest.peerDependencies).toEqual({ '@cam/core': '^0.1.0' });
  });

  test('passes its lint and typecheck as generated', async () => {
    await runOk('pnpm', ['run', 'lint'], { cwd: driverDir, timeout: 60_000 });
    await runOk('pnpm', ['run', 'typecheck'], { cwd: driverDir, timeout: 60_000 });
  }, 120_000);

  test('passes its conformance tests as generated', async () => {
    const result = await runOk('pnpm', ['test', '--reporter=verbose'], {
      cwd: driverDir,
      timeout: 120_000,
      env: cleanEnv({ NO_COLOR: '1' }),
    });
    expect(result.stdout).toMatch(/Tests\s+\S*\s*\d+ passed/);
    expect(result.stdout).not.toMatch(/failed|skipped/);
    for (const rule of [
      'opens-on-demand',
      'frame-immutable',
      'options-unknown',
      'releases-on-close',
      'device-error',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`✓ .*\\[${rule}\\]`));
    }
  }, 150_000);
});

describe('the server with CAMERA=<the package directory>', () => {
  test('streams it to ffmpeg; the camera is named after the driver', async (ctx) => {
    if (!hasTool('ffmpeg')) {
      if (process.env.CAM_TEST_STRICT === '1') throw new Error(`ffmpeg is missing: ${INSTALL_FFMPEG}`);
      ctx.skip(`ffmpeg is not installed: \`${INSTALL_FFMPEG}\` enables this test`);
    }
    const { url } = await startServer({ CAMERA: driverDir, CAMERA_PATH: frame, CAMERA_FPS: '10' });
    const cameras = (await (await fetch(`${url}/api/cameras`)).json()) as { cameras: { id: string }[] };
    expect(cameras.cameras.map((camera) => camera.id)).toEqual(['demo']);

    const out = join(root, 'frame.rgb');
    const result = await run(
      'ffmpeg',
      ['-nostdin', '-loglevel', 'error', '-y', '-i', `${url}/video_feed`, '-frames:v', '1'].concat([
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        out,
      ]),
      { cwd: root, timeout: 30_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(statSync(out).size, 'one decoded 16 x 16 RGB frame').toBe(16 * 16 * 3);
  }, 60_000);

  test('a bad option stops the start with the one-line message and exit code 1', async () => {
    const result = await run(process.execPath, [SERVER_MAIN], {
      cwd: root,
      timeout: 20_000,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        CAMERA: driverDir,
        CAMERA_PATH: frame,
        CAMERA_FPS: 'abc',
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'cam: invalid CAMERA_FPS for the demo driver: option "fps" must be a number from 0.1 to 60, got "abc"\n',
    );
  });

  test('a device error reaches HTTP clients with its own code', async () => {
    const { url } = await startServer({ CAMERA: driverDir, CAMERA_PATH: join(root, 'missing.jpg') });
    const response = await fetch(`${url}/snapshot.jpg`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      // The server shows clients a driver's message without the absolute path (it says where cam is installed).
      error: { code: 'DEVICE_NOT_FOUND', message: '[cam] [demo] cannot read .../missing.jpg' },
    });
  });
});
