import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

// Most of this suite's time is waiting (idle timeouts, frame intervals, a 125 s pause behind nginx, latency
// windows), not CPU: three files at a time instead of vitest's default (cores - 1, one file here).
export default mergeConfig(sharedTestConfig, defineConfig({ test: { maxWorkers: 3 } }));
