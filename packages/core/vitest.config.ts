import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/core',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})
