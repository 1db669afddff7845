import { describe, test } from 'vitest';
import { runConformanceSuite, TestCamera } from '../src/testing/index.js';

// Real timers: the suite runs as a driver package would run it against itself.
runConformanceSuite({
  test,
  describe,
  name: 'TestCamera (interval mode) conformance',
  createCamera: (options) => new TestCamera({ interval: 20, ...options }),
});
