import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/destination-postgres',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Starts one throwaway PostgreSQL server for the whole run (or uses SLUICE_TEST_POSTGRES_URL).
    globalSetup: ['../../vitest.tmpdir.ts', 'test/postgres-server.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
