import { availableParallelism } from 'node:os';
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
    // Most files spend their time waiting on sockets and child processes, not on the CPU, so two
    // files at a time even on a 2-core machine (Vitest's default there is one): the whole suite
    // took 295 s instead of about 700 s per engine, measured here.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
