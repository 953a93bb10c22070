import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/destination-postgres',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})
