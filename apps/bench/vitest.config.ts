import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/bench',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})
