// A throwaway PostgreSQL cluster for the benchmark (the same recipe as destination-postgres's tests, without
// statement logging), or SLUICE_BENCH_POSTGRES_URL when set.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A running server: its URL and how to stop it. */
export interface BenchPostgres {
  url: string
  stop(): Promise<void>
}

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
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b))
  const newest = versions[versions.length - 1]
  return newest ? join(root, newest, 'bin') : undefined
}

/**
 * Starts a PostgreSQL server on a free port (fsync off, it is thrown away), or uses SLUICE_BENCH_POSTGRES_URL.
 * Throws with what to install when neither is available.
 */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const external = process.env.SLUICE_BENCH_POSTGRES_URL
  if (external) return { url: external, stop: async () => {} }
  const bin = serverBin()
  if (!bin) {
    throw new Error(
      'no PostgreSQL server binaries: apt-get install -y postgresql, or set SLUICE_BENCH_POSTGRES_URL',
    )
  }
  const asRoot = process.getuid?.() === 0
  const as = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args)
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-pg-'))
  const data = join(dir, 'data')
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
      '-c max_wal_size=4GB',
      '-c shared_buffers=512MB',
    ].join(' ')
    await as(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      settings,
      'start',
    ])
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
      'CREATE DATABASE sluice_bench',
    ])
  } catch (error) {
    await stop()
    throw error
  }
  return { url: `postgresql://postgres:${password}@127.0.0.1:${port}/sluice_bench`, stop }
}
