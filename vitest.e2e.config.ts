import { defineConfig } from 'vitest/config';

// Browser end-to-end tests: build the app, serve dist/ from a plain static
// server (no isolation headers) under a sub-path, drive Debian's Chromium.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
