// vitest globalSetup: one throwaway PostgreSQL cluster per suite run, stopped even when tests fail.
// Its superuser password is recognizable (the security test searches every output for it).
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestPostgres } from '@sluice/destination-postgres/test-server'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL over TCP (scram-sha-256), database `sluice_faults`; empty when there is no server. */
    postgresUrl: string
    /** The recognizable superuser password inside postgresUrl. */
    postgresPassword: string
    /** pg_ctl folder, data directory, log and start options (for the outage test); empty without a server. */
    postgresServer: { bin: string; data: string; log: string; options: string }
    /** Why there is no server, with what to do; empty when there is one. */
    postgresError: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // every temp folder of the run goes under one folder, removed at the end (the workers inherit the variable)
  const runDir = await mkdtemp(join(tmpdir(), 'sluice-faults-run-'))
  process.env.SLUICE_FAULTS_TMP = runDir
  const removeRunDir = () => rm(runDir, { recursive: true, force: true })
  const password = `PGPW-RECOGNIZABLE-${randomBytes(6).toString('hex')}`
  try {
    const server = await startTestPostgres({ password, database: 'sluice_faults' })
    project.provide('postgresUrl', server.url)
    project.provide('postgresPassword', password)
    project.provide('postgresServer', {
      bin: server.bin,
      data: server.dataDir,
      log: server.log,
      options: server.startOptions,
    })
    project.provide('postgresError', '')
    return async () => {
      await server.stop()
      await removeRunDir()
    }
  } catch (error) {
    project.provide('postgresUrl', '')
    project.provide('postgresPassword', '')
    project.provide('postgresServer', { bin: '', data: '', log: '', options: '' })
    project.provide('postgresError', `no PostgreSQL server for the fault tests: ${(error as Error).message}`)
    return removeRunDir
  }
}
