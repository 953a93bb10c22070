// @sluice/destination-testkit/cli: the harness of a destination's `sluice run` end-to-end test. It runs the built
// CLI (apps/cli/dist/sluice-bin.js) as a child process in temporary folders, writes .sluice/secrets.toml as a user
// would and reads back what landed. Free of vitest, so it also imports in plain node.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** What one CLI run left behind. */
export interface CliResult {
  /** Exit code, `null` when the process was killed by a signal. */
  code: number | null
  stdout: string
  stderr: string
}

/** Options of {@link sluiceCli}. */
export interface SluiceCliOptions {
  /** The destination's package name (`@sluice/destination-bigquery`); the CLI must resolve it. */
  destinationPackage: string
  /** Variables every run gets on top of `PATH` and `HOME` (before the run's own). Default none. */
  env?: Record<string, string>
  /** The CLI's package folder. Default `apps/cli` of this repository. */
  cliDir?: string
}

/** The CLI harness {@link sluiceCli} returns. */
export interface SluiceCli {
  /** Runs `node sluice-bin.js ...args` in `cwd` with only `PATH`, `HOME=cwd`, `options.env` and `env`. */
  run(args: string[], cwd: string, env: Record<string, string>): Promise<CliResult>
  /** A fresh folder under the OS temp folder whose name starts with `prefix`; `cleanup()` removes it. */
  tempCwd(prefix: string): Promise<string>
  /** Writes `text` to `<cwd>/.sluice/secrets.toml` (mode 0600), creating `.sluice`. */
  writeSecrets(cwd: string, text: string): Promise<void>
  /** Removes every folder `tempCwd` made. */
  cleanup(): Promise<void>
}

const REPO_CLI_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'apps', 'cli')

/**
 * The harness for `sluice run --destination <name>` tests. Throws at once when the CLI is not built or cannot
 * resolve `destinationPackage`, with the command that builds it.
 */
export function sluiceCli(options: SluiceCliOptions): SluiceCli {
  const cliDir = options.cliDir ?? REPO_CLI_DIR
  const bin = join(cliDir, 'dist', 'sluice-bin.js')
  if (!cliResolves(cliDir, bin, options.destinationPackage)) {
    throw new Error(
      'sluice run end-to-end needs the built CLI: run `pnpm exec turbo run build --filter=sluice` (turbo does it before this test)',
    )
  }
  const dirs: string[] = []
  return {
    run: (args, cwd, env) => runNode(bin, args, cwd, { ...options.env, ...env }),
    async tempCwd(prefix) {
      const dir = await mkdtemp(join(tmpdir(), prefix))
      dirs.push(dir)
      return dir
    },
    async writeSecrets(cwd, text) {
      await mkdir(join(cwd, '.sluice'))
      await writeFile(join(cwd, '.sluice', 'secrets.toml'), text, { mode: 0o600 })
    },
    async cleanup() {
      for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
    },
  }
}

function cliResolves(cliDir: string, bin: string, destinationPackage: string): boolean {
  if (!existsSync(bin)) return false
  try {
    createRequire(join(cliDir, 'package.json')).resolve(`${destinationPackage}/package.json`)
    return true
  } catch {
    return false
  }
}

function runNode(bin: string, args: string[], cwd: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** The simulated Clockodo account a run reads (a `RunningClockodoMock` fits). */
export interface ClockodoSource {
  baseUrl: string
}

/** The source settings of a run against `mock`: API user and key, base URL, pipelines folder `<cwd>/p`. */
export function clockodoEnv(
  cwd: string,
  mock: ClockodoSource,
  credentials: { user: string; apiKey: string },
): Record<string, string> {
  return {
    SOURCES__CLOCKODO__API_USER: credentials.user,
    SOURCES__CLOCKODO__API_KEY: credentials.apiKey,
    SOURCES__CLOCKODO__BASE_URL: mock.baseUrl,
    SLUICE_PIPELINES_DIR: join(cwd, 'p'),
  }
}

/**
 * The files under `cwd` (but `secrets.toml`) that hold any of `secrets`, as `<file name> holds secret #<index>`;
 * never the secret itself. Empty when none does.
 */
export async function filesHoldingSecrets(cwd: string, secrets: string[]): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(cwd, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name === 'secrets.toml') continue
    const text = (await readFile(join(entry.parentPath, entry.name))).toString('latin1')
    secrets.forEach((s, i) => {
      if (text.includes(s)) found.push(`${entry.name} holds secret #${i}`)
    })
  }
  return found
}

/** A connection to the in-memory DuckDB of a protocol fake (`fake.admin`). */
export interface AdminConnection {
  runAndReadAll(sql: string): Promise<{ getRows(): unknown[][] }>
}

/**
 * Row count of every table in `schema` of a fake's DuckDB, keyed by lower-cased table name, leaving out tables
 * whose name starts with `internalPrefix` (default `_sluice_`; matched case-sensitively).
 */
export async function tableCounts(
  admin: AdminConnection,
  schema: string,
  internalPrefix = '_sluice_',
): Promise<Record<string, number>> {
  const like = `${internalPrefix.replaceAll('\\', '\\\\').replaceAll('_', '\\_').replaceAll('%', '\\%')}%`
  const tables = await admin.runAndReadAll(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = ${sqlString(schema)} AND table_name NOT LIKE ${sqlString(like)} ESCAPE '\\'`,
  )
  const out: Record<string, number> = {}
  for (const [name] of tables.getRows() as [string][]) {
    const r = await admin.runAndReadAll(`SELECT count(*) FROM ${quoteIdent(schema)}.${quoteIdent(name)}`)
    out[name.toLowerCase()] = Number(r.getRows()[0]?.[0])
  }
  return out
}

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`
const quoteIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`
