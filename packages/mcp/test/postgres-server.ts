// vitest globalSetup: one throwaway PostgreSQL cluster per test run (or SLUICE_TEST_POSTGRES_URL when set).

import { provideTestPostgres, type TestPostgresContext } from '@sluice/destination-postgres/test-server'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext extends TestPostgresContext {}
}

export default function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  return provideTestPostgres((key, value) => project.provide(key, value))
}
