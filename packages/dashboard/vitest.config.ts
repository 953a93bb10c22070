import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/dashboard',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['../../vitest.tmpdir.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
