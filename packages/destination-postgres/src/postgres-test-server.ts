// A throwaway PostgreSQL server for tests and benchmarks (Node only): initdb + pg_ctl on a free port on 127.0.0.1,
// as the `postgres` user when running as root. Exported as `@sluice/destination-postgres/test-server`.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
/** What to do when no server can be had. */
export const HOW_TO_GET_ONE: string =
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
export function serverBin(): string | undefined {
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

/** A running throwaway server. */
export interface TestPostgres {
  /** Superuser URL over TCP with a password (scram-sha-256), database `sluice_test`. */
  url: string
  /** The server log (every statement, prefixed with the application name). */
  log: string
  /** The data directory, port, binary folder and `pg_ctl -o` options, for tests that stop and restart the server. */
  dataDir: string
  port: number
  bin: string
  startOptions: string
  /** Stops the server again (pg_ctl stop -m fast), for outage tests. */
  pause(): Promise<void>
  /** Starts a paused server on the same port and data. */
  resume(): Promise<void>
  /** Stops the server and removes its files. */
  stop(): Promise<void>
}

/**
 * Starts a throwaway server (about 2 s) with a superuser `postgres` (password `options.password`, default random)
 * and a database (`options.database`, default `sluice_test`); every statement is logged unless
 * `options.logStatements` is false (benchmarks). Throws with {@link HOW_TO_GET_ONE} when no server
 * binaries exist.
 * `SLUICE_TEST_POSTGRES_BIN` overrides the binary folder.
 */
export async function startTestPostgres(
  options: { password?: string; database?: string; logStatements?: boolean } = {},
): Promise<TestPostgres> {
  const bin = serverBin()
  if (!bin) throw new Error(`no PostgreSQL server binaries: ${HOW_TO_GET_ONE}`)
  const asRoot = process.getuid?.() === 0
  const as = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args)
  const dir = await mkdtemp(join(tmpdir(), 'sluice-pg-'))
  const data = join(dir, 'data')
  const log = join(dir, 'server.log')
  const password = options.password ?? randomBytes(12).toString('hex')
  const database = options.database ?? 'sluice_test'
  const port = await freePort()
  let running = false
  const settings = [
    `-p ${port}`,
    '-k /tmp',
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    `-c log_statement=${options.logStatements === false ? 'none' : 'all'}`,
    "-c log_line_prefix='%a|'",
    '-c max_connections=100',
  ].join(' ')
  const start = async () => {
    await as(join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-w', '-t', '60', '-o', settings, 'start'])
    running = true
  }
  const halt = async (mode: 'fast' | 'immediate') => {
    if (running) await as(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']).catch(() => {})
    running = false
  }
  const stop = async (): Promise<void> => {
    await halt('immediate')
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
    await start()
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
      `CREATE DATABASE "${database}"`,
    ])
  } catch (error) {
    await stop()
    const detail = error instanceof Error ? error.message : String(error)
    throw new Error(`could not start a throwaway PostgreSQL server (${detail}): ${HOW_TO_GET_ONE}`)
  }
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    log,
    dataDir: data,
    port,
    bin,
    startOptions: settings,
    pause: () => halt('fast'),
    resume: start,
    stop,
  }
}

/** What {@link provideTestPostgres} hands to tests (read with vitest's `inject`). */
export interface TestPostgresContext {
  /** Superuser URL over TCP with a password (scram-sha-256), database `sluice_test`; empty when no server. */
  postgresUrl: string
  /** The server log (statements logged with `%a|` = application name first); empty for an external server. */
  postgresLog: string
  /** Why no server could be had, with what to do; empty when there is one. */
  postgresError: string
}

/**
 * The body of a vitest globalSetup: provides `SLUICE_TEST_POSTGRES_URL` when set, else starts a throwaway server
 * ({@link startTestPostgres}) and returns its stop; without server binaries it provides the reason instead (tests
 * then skip with it). Pass `(key, value) => project.provide(key, value)`.
 */
export async function provideTestPostgres(
  provide: <K extends keyof TestPostgresContext>(key: K, value: TestPostgresContext[K]) => void,
): Promise<(() => Promise<void>) | undefined> {
  const external = process.env['SLUICE_TEST_POSTGRES_URL']
  if (external) {
    provide('postgresUrl', external)
    provide('postgresLog', '')
    provide('postgresError', '')
    return undefined
  }
  try {
    const server = await startTestPostgres()
    provide('postgresUrl', server.url)
    provide('postgresLog', server.log)
    provide('postgresError', '')
    return server.stop
  } catch (error) {
    provide('postgresUrl', '')
    provide('postgresLog', '')
    provide('postgresError', (error as Error).message)
    return undefined
  }
}
