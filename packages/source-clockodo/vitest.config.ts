import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: '@sluice/source-clockodo',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})
