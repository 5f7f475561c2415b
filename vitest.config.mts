import { defineConfig } from 'vitest/config';

// One real Temporal dev server for the whole run (test/global-setup.ts); forks keep native
// modules (better-sqlite3, the Temporal core bridge) out of worker threads. The JSON report is
// what .ci/run counts.
export default defineConfig({
  test: {
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    reporters: ['default', 'json'],
    outputFile: { json: '.liveshift/test-results.json' },
  },
});
