// Shared by every package's vitest.config.ts: the default console reporter for people, and a JSON
// report that .ci/run sums into its "N passed, N failed" line.
import { defineConfig } from 'vitest/config';

export const sharedTestConfig = defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
    testTimeout: 20_000,
  },
});
