import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/clockodo-mock',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['../../vitest.tmpdir.ts'],
    // some suites page through whole accounts or send 900 requests; CI machines are shared and slow
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
