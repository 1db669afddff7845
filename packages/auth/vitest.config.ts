import { mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

// One test file at a time: the timing test compares response times, and streams or a browser from a
// parallel file on a 2-core machine add noise that has nothing to do with what it measures.
export default mergeConfig(sharedTestConfig, { test: { fileParallelism: false } });
