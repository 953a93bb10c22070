import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/destination-mydb',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['../../vitest.tmpdir.ts'],
  },
})
