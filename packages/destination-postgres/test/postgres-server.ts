// vitest globalSetup: one throwaway PostgreSQL cluster per test run (or SLUICE_TEST_POSTGRES_URL when set).
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
    /** Superuser URL over TCP with a password (scram-sha-256), database `sluice_test`; empty when no server. */
    postgresUrl: string
    /** The server log (statements logged with `%a|` = application name first); empty for an external server. */
    postgresLog: string
    /** Why no server could be had, with what to do; empty when there is one. */
    postgresError: string
  }
}

const run = promisify(execFile)
const HOW_TO_GET_ONE =
  'install PostgreSQL server binaries (`apt-get install -y postgresql`, or point SLUICE_TEST_POSTGRES_BIN at a folder with initdb and pg_ctl) or set SLUICE_TEST_POSTGRES_URL=postgresql://user:password@host:port/database (a superuser)'

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

/** `SLUICE_TEST_POSTGRES_BIN` (a folder with initdb and pg_ctl), else the newest /usr/lib/postgresql/<v>/bin. */
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

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.SLUICE_TEST_POSTGRES_URL
  if (external) {
    project.provide('postgresUrl', external)
    project.provide('postgresLog', '')
    project.provide('postgresError', '')
    return undefined
  }
  const bin = serverBin()
  if (!bin) {
    project.provide('postgresUrl', '')
    project.provide('postgresLog', '')
    project.provide('postgresError', `no PostgreSQL server for the tests: ${HOW_TO_GET_ONE}`)
    return undefined
  }
  const asRoot = process.getuid?.() === 0
  const as = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args)
  const dir = await mkdtemp(join(tmpdir(), 'sluice-pg-'))
  const data = join(dir, 'data')
  const log = join(dir, 'server.log')
  const password = randomBytes(12).toString('hex')
  const port = await freePort()
  let started = false
  const stop = async (): Promise<void> => {
    if (started) await as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
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
    const settings = [
      `-p ${port}`,
      '-k /tmp',
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c log_statement=all',
      "-c log_line_prefix='%a|'",
      '-c max_connections=100',
    ].join(' ')
    await as(join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-w', '-t', '60', '-o', settings, 'start'])
    started = true
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
      'CREATE DATABASE sluice_test',
    ])
  } catch (error) {
    await stop()
    const detail = error instanceof Error ? error.message : String(error)
    project.provide('postgresUrl', '')
    project.provide('postgresLog', '')
    project.provide(
      'postgresError',
      `could not start a throwaway PostgreSQL server (${detail}): ${HOW_TO_GET_ONE}`,
    )
    return undefined
  }
  project.provide('postgresUrl', `postgresql://postgres:${password}@127.0.0.1:${port}/sluice_test`)
  project.provide('postgresLog', log)
  project.provide('postgresError', '')
  return stop
}
