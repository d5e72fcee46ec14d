import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Loading tfjs dominates the run; sharing modules between test files loads it once per worker.
    isolate: false,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
