// A driver that is not a package of this repo: a plain .mjs file next to its own copy of @cam/core, as a
// driver developed locally (file:, link:, npm pack) brings one. The server loads it by path
// (CAMERA=./x.mjs, a file: URL, a package directory), recognises its errors by code although they come
// from another CameraError class, and names the camera after the driver.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadDriver } from '../src/drivers.js';
import { getJson, runServerToExit, startServer, tempDir } from './helpers.js';

const corePackage = fileURLToPath(new URL('../../../packages/core/', import.meta.url));

const DRIVER_SOURCE = `
import { BaseCamera, CameraError, delay, readOptions } from '@cam/core';
import { testJpeg } from '@cam/core/testing';

class LocalCamera extends BaseCamera {
  constructor(options, camera = {}) {
    super({ name: 'local-test', ...camera });
    this.options = options;
  }
  async *frames(signal) {
    if (this.options.fail) throw new CameraError('DEVICE_NOT_FOUND', 'no device at /dev/nothing', { camera: this.name });
    for (let n = 1; ; n++) {
      yield testJpeg(n);
      await delay(1000 / this.options.fps, signal);
    }
  }
}

export const driver = {
  name: 'local-test',
  description: 'a driver file outside the workspace',
  parseOptions(raw) {
    const read = readOptions(raw, 'local-test');
    const options = { fps: read.number('fps', { default: 20, min: 1, max: 60 }), fail: read.boolean('fail') };
    read.done();
    return options;
  },
  createCamera: (options, camera) => new LocalCamera(options, camera),
};
`;

/** A directory holding the driver file and, in its node_modules, a copy of @cam/core of its own. */
function driverProject(): { dir: string; file: string } {
  const dir = tempDir('cam-local-driver-');
  const core = join(dir, 'node_modules/@cam/core');
  mkdirSync(core, { recursive: true });
  cpSync(join(corePackage, 'package.json'), join(core, 'package.json'));
  cpSync(join(corePackage, 'dist'), join(core, 'dist'), { recursive: true });
  const file = join(dir, 'driver.mjs');
  writeFileSync(file, DRIVER_SOURCE);
  return { dir, file };
}

describe('a driver file with its own copy of @cam/core', () => {
  test('CAMERA=<relative path> streams it; the camera id is the driver name', async () => {
    const { file } = driverProject();
    const path = relative(process.cwd(), file); // the server runs in this process's directory
    expect(path.startsWith('../')).toBe(true);
    const { url } = await startServer({ CAMERA: path });
    const cameras = await getJson(`${url}/api/cameras`);
    expect(cameras.body.cameras.map((camera) => [camera.id, camera.driver])).toEqual([
      ['local-test', 'local-test'],
    ]);
    const snapshot = await fetch(`${url}/snapshot.jpg`);
    expect(snapshot.status).toBe(200);
    const jpeg = Buffer.from(await snapshot.arrayBuffer());
    expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
  });

  test('a bad option stops the start with the one-line message (its CameraError is recognised)', async () => {
    const { file } = driverProject();
    const result = await runServerToExit({ CAMERA: pathToFileURL(file).href, CAMERA_FPS: 'abc' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'cam: invalid CAMERA_FPS for the local-test driver: option "fps" must be a number from 1 to 60, got "abc"\n',
    );
  });

  test("a device error reaches HTTP clients with the driver's own code, prefixed once", async () => {
    const { file } = driverProject();
    const { url } = await startServer({ CAMERA: file, CAMERA_FAIL: '1' });
    const response = await getJson(`${url}/snapshot.jpg`);
    expect(response.status).toBe(503);
    expect(response.body.error).toEqual({
      code: 'DEVICE_NOT_FOUND',
      message: '[cam] [local-test] no device at /dev/nothing',
    });
  });

  test('a package directory loads through its package.json exports', async () => {
    const { dir } = driverProject();
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'some-package-name', type: 'module', exports: { '.': './driver.mjs' } }),
    );
    const { url } = await startServer({ CAMERA: dir });
    const cameras = await getJson(`${url}/api/cameras`);
    expect(cameras.body.cameras.map((camera) => camera.id)).toEqual(['local-test']);
  });

  test('a missing file stops the start, naming the absolute path it tried', async () => {
    const dir = tempDir();
    const path = relative(process.cwd(), join(dir, 'nope.js'));
    const result = await runServerToExit({ CAMERA: path });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `cam: driver file ${join(dir, 'nope.js')} does not exist (from "${path}" in ${process.cwd()})\n`,
    );
  });
});

describe('loadDriver', () => {
  test('resolves a relative path against the given directory', async () => {
    const { dir } = driverProject();
    const driver = await loadDriver('./driver.mjs', dir);
    expect(driver.name).toBe('local-test');
  });

  test('refuses a module without a driver export', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-driver.mjs'), 'export const something = 1;\n');
    await expect(loadDriver('./not-a-driver.mjs', dir)).rejects.toThrow(
      `file ${join(dir, 'not-a-driver.mjs')} is not a cam driver: it does not export a "driver"`,
    );
  });
});
