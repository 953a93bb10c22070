import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/bench',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['../../vitest.tmpdir.ts'],
    // whole pipelines, worker threads and engines on a shared 2-core machine: 5 s is too tight under load
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
