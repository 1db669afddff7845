import { runConformanceSuite } from '@cam/core/testing';
import { describe, test } from 'vitest';
import { EmulatedCamera } from '../src/index.js';

// 20 fps keeps the suite fast; the behaviour does not depend on the rate.
runConformanceSuite({
  test,
  describe,
  name: 'emulated driver conformance',
  createCamera: (options) => new EmulatedCamera({ fps: 20 }, options),
});
