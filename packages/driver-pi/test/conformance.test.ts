import { delimiter, dirname } from 'node:path';
import { runConformanceSuite } from '@cam/core/testing';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { driver } from '../src/index.js';
import { FAKE_BIN } from './support.js';

// Against the fake rpicam-vid (test/fixtures/bin), found on PATH as the real one would be. The fake lets
// several cameras run at once; a real Pi camera would need `concurrentInstances: false`.
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
  driver,
  options: { framerate: '30' },
  supports: {
    deviceError: {
      options: { framerate: '30', command: '/nonexistent/rpicam-vid' },
      code: 'DEPENDENCY_MISSING',
    },
  },
});
