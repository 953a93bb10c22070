// vitest globalSetup: one throwaway PostgreSQL cluster per test run (or SLUICE_TEST_POSTGRES_URL when set).

import { startTestPostgres } from '@sluice/destination-postgres/test-server'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL over TCP with a password (scram-sha-256), database `sluice_test`; empty when no server. */
    postgresUrl: string
    /** The server log (statements logged with `%a|` = application name first); empty for an external server. */
    postgresLog: string
    /** Why no server could be had, with what to do; empty when there is one. */
    postgresError: string
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.SLUICE_TEST_POSTGRES_URL
  if (external) {
    project.provide('postgresUrl', external)
    project.provide('postgresLog', '')
    project.provide('postgresError', '')
    return undefined
  }
  try {
    const server = await startTestPostgres()
    project.provide('postgresUrl', server.url)
    project.provide('postgresLog', server.log)
    project.provide('postgresError', '')
    return server.stop
  } catch (error) {
    project.provide('postgresUrl', '')
    project.provide('postgresLog', '')
    project.provide('postgresError', (error as Error).message)
    return undefined
  }
}
