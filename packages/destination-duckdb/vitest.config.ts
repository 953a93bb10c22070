import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/destination-duckdb',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})
