import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/destination-filesystem',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})
