import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/destination-redshift',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One throwaway PostgreSQL server for the whole run, with the Redshift compatibility profile.
    globalSetup: ['test/redshift-server.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
