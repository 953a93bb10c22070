// vitest globalSetup: one throwaway PostgreSQL cluster per suite run, stopped even when tests fail.
// Its superuser password is recognizable (the security test searches every output for it).
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
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

const run = promisify(execFile)
const HOW_TO_GET_ONE =
  'install PostgreSQL server binaries (`apt-get update && apt-get install -y postgresql`, or point SLUICE_TEST_POSTGRES_BIN at a folder with initdb and pg_ctl)'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function serverBin(): string | undefined {
  const override = process.env.SLUICE_TEST_POSTGRES_BIN
  if (override !== undefined) return existsSync(join(override, 'initdb')) ? override : undefined
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b))
  const newest = versions[versions.length - 1]
  return newest ? join(root, newest, 'bin') : undefined
}

function none(project: TestProject, error: string): undefined {
  project.provide('postgresUrl', '')
  project.provide('postgresPassword', '')
  project.provide('postgresServer', { bin: '', data: '', log: '', options: '' })
  project.provide('postgresError', error)
  return undefined
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // every temp folder of the run goes under one folder, removed at the end (the workers inherit the variable)
  const runDir = await mkdtemp(join(tmpdir(), 'sluice-faults-run-'))
  process.env.SLUICE_FAULTS_TMP = runDir
  const removeRunDir = () => rm(runDir, { recursive: true, force: true })
  const bin = serverBin()
  if (!bin) {
    none(project, `no PostgreSQL server for the fault tests: ${HOW_TO_GET_ONE}`)
    return removeRunDir
  }
  const asRoot = process.getuid?.() === 0
  const as = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args)
  const dir = await mkdtemp(join(tmpdir(), 'sluice-faults-pg-'))
  const data = join(dir, 'data')
  const log = join(dir, 'server.log')
  const password = `PGPW-RECOGNIZABLE-${randomBytes(6).toString('hex')}`
  const port = await freePort()
  const options = [
    `-p ${port}`,
    '-k /tmp',
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=100',
  ].join(' ')
  const stop = async (): Promise<void> => {
    await as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await writeFile(join(dir, 'pwfile'), `${password}\n`)
    if (asRoot) {
      const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim())
      const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim())
      await chown(dir, uid, gid)
      await chown(join(dir, 'pwfile'), uid, gid)
    }
    await chmod(dir, 0o700)
    await as(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--pwfile',
      join(dir, 'pwfile'),
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--no-locale',
    ])
    await rm(join(dir, 'pwfile'))
    await as(join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-w', '-t', '60', '-o', options, 'start'])
    await as(join(bin, 'psql'), [
      '-h',
      '/tmp',
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-qc',
      'CREATE DATABASE sluice_faults',
    ])
  } catch (error) {
    await stop()
    const detail = error instanceof Error ? error.message : String(error)
    none(project, `could not start a throwaway PostgreSQL server (${detail}): ${HOW_TO_GET_ONE}`)
    return removeRunDir
  }
  project.provide('postgresUrl', `postgresql://postgres:${password}@127.0.0.1:${port}/sluice_faults`)
  project.provide('postgresPassword', password)
  project.provide('postgresServer', { bin, data, log, options })
  project.provide('postgresError', '')
  return async () => {
    await stop()
    await removeRunDir()
  }
}
