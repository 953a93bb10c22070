import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'

export const BIN: string = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'sluice-bin.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs the built CLI as a child process (the real binary, as a user would). */
export function runCli(
  args: string[],
  options: {
    cwd: string
    env?: Record<string, string>
    killAfterMs?: number
    onStderr?: (chunk: string) => void
  },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      options.onStderr?.(d.toString())
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

/** Row counts of every table in a DuckDB dataset (system tables excluded). */
export async function duckdbCounts(file: string, dataset: string): Promise<Record<string, number>> {
  const instance = await DuckDBInstance.create(file)
  const conn = await instance.connect()
  try {
    const tables = await conn.runAndReadAll(
      `select table_name from information_schema.tables where table_schema = '${dataset}' and table_name not like '\\_sluice\\_%' escape '\\'`,
    )
    const out: Record<string, number> = {}
    for (const [name] of tables.getRows() as [string][]) {
      const r = await conn.runAndReadAll(`select count(*) from "${dataset}"."${name}"`)
      out[name] = Number(r.getRows()[0]?.[0])
    }
    return out
  } finally {
    conn.closeSync()
    instance.closeSync()
  }
}

/** Runs a query against a DuckDB file and returns rows as arrays. */
export async function duckdbQuery(file: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(file)
  const conn = await instance.connect()
  try {
    return (await conn.runAndReadAll(sql)).getRows() as unknown[][]
  } finally {
    conn.closeSync()
    instance.closeSync()
  }
}

/** Every file under a folder, recursively, as text (for secret scans). */
export async function readAllFiles(dir: string): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const file = join(entry.parentPath, entry.name)
    out.push({ file, text: (await readFile(file)).toString('latin1') })
  }
  return out
}
