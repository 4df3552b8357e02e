import { defineConfig } from 'vitest/config';

// One suite, two storage engines: HOSTPASS_TEST_DB selects PGlite (default) or the PostgreSQL
// server; scripts/test.ts runs the suite once per engine.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'emulator/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
