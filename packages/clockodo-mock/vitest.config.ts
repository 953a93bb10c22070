import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/clockodo-mock',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})
