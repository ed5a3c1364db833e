import { defineConfig } from 'vitest/config';

// Integration and UI tests drive a real code-server and Chromium: one file at a time.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.e2e.ts', 'test/e2e/**/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
    setupFiles: ['test/support/vitest.setup.ts'],
  },
});
