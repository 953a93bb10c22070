// vitest globalSetup: one throwaway PostgreSQL cluster per test run (or SLUICE_TEST_POSTGRES_URL when set), with a
// database that carries the Redshift compatibility profile (see redshift-compat.ts).
import { startTestPostgres } from '@sluice/destination-postgres/test-server'
import type { TestProject } from 'vitest/node'
import { createCompatDatabase } from './redshift-compat.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the compatibility-profile database (a superuser, no TLS); empty when no server. */
    compatUrl: string
    /** The server log (statements logged with `%a|` = application name first); empty for an external server. */
    postgresLog: string
    /** Why no server could be had, with what to do; empty when there is one. */
    postgresError: string
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.SLUICE_TEST_POSTGRES_URL
  try {
    const server = external ? undefined : await startTestPostgres()
    const compatUrl = await createCompatDatabase(external ?? (server?.url as string))
    project.provide('compatUrl', compatUrl)
    project.provide('postgresLog', server?.log ?? '')
    project.provide('postgresError', '')
    return server?.stop
  } catch (error) {
    project.provide('compatUrl', '')
    project.provide('postgresLog', '')
    project.provide('postgresError', (error as Error).message)
    return undefined
  }
}
