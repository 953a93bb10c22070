import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'sluice',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})
