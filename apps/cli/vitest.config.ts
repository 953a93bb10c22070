import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'sluice',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['../../vitest.tmpdir.ts'],
    // End-to-end tests spawn the real CLI against a simulated account over HTTP.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
