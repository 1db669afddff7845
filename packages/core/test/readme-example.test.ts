import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The example imports '@cam/core' by name (as users do), which resolves to dist/: use the kit from there too,
// so that both sides share one copy of the classes.
import { runConformanceSuite, testJpeg, testJpegNumber } from '@cam/core/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { driver, FileCamera } from '../examples/file-camera.js';

// The README's "Writing a driver" example is examples/file-camera.ts, verbatim: this keeps the docs honest.
let dir: string;
let path: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cam-readme-'));
  path = join(dir, 'frame.jpg');
  await writeFile(path, testJpeg(7));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the README driver example', () => {
  test('is the code of examples/file-camera.ts, word for word', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const example = await readFile(new URL('../examples/file-camera.ts', import.meta.url), 'utf8');
    expect(readme).toContain(example);
  });

  test('serves the file it is given, as its driver parses the options', async () => {
    const camera = driver.createCamera(driver.parseOptions({ path, fps: '20' }));
    try {
      const frame = await camera.subscribe().next();
      expect(testJpegNumber(frame.data)).toBe(7);
    } finally {
      await camera.close();
    }
  });

  test('rejects a missing path with INVALID_OPTION', () => {
    expect(() => driver.parseOptions({ fps: '2' })).toThrow(/option "path" must be a file path/);
  });

  runConformanceSuite({
    test,
    describe,
    name: 'conformance of the README example',
    createCamera: (options) => new FileCamera({ path, fps: 20 }, options),
  });
});
