import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/destination-snowflake',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['../../vitest.tmpdir.ts'],
    // snowflake-sdk probes cloud metadata (169.254.169.254) on connect unless this is set.
    env: { SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true' },
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
