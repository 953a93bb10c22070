import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/mcp',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Starts one throwaway PostgreSQL server for the whole run (or uses SLUICE_TEST_POSTGRES_URL).
    globalSetup: ['../../vitest.tmpdir.ts', 'test/postgres-server.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
