import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/faults',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One throwaway PostgreSQL server for the whole run (stopped even on failure).
    globalSetup: ['../../vitest.tmpdir.ts', 'test/postgres-server.ts'],
    // The files spawn the real CLI many times and time their kills: one file at a time keeps both cores for it.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 90_000,
  },
})
