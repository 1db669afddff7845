import { mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

// One test file at a time: the real-OpenCV tests measure frame rates and event-loop lag, which another
// file's ffmpeg encodes running on the same 2 cores would distort.
export default mergeConfig(sharedTestConfig, { test: { fileParallelism: false } });
