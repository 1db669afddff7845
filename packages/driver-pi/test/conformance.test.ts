import { delimiter, dirname } from 'node:path';
import { runConformanceSuite } from '@cam/core/testing';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { PiCamera } from '../src/index.js';
import { FAKE_BIN } from './support.js';

// Against the fake rpicam-vid (test/fixtures/bin), found on PATH as the real one would be.
const savedPath = process.env.PATH;
beforeAll(() => {
  process.env.PATH = [FAKE_BIN, dirname(process.execPath)].join(delimiter);
});
afterAll(() => {
  process.env.PATH = savedPath;
});

runConformanceSuite({
  test,
  describe,
  name: 'pi driver conformance (fake rpicam-vid)',
  createCamera: (options) => new PiCamera({ framerate: 30 }, options),
});
