import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import { chmod, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunningClockodoMock } from '@sluice/clockodo-mock'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runCli, tempDir } from '../src/index.ts'
import { cliEnv, printFigures, startMock } from './helpers.ts'

// Local files and commands: the run lock under a race, unreadable and out-of-place files, and messages that name
// the file or setting and the fix (each through the real CLI).

const CONTENDER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'lock-contender.mjs')

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''])
  if (!child.pid) throw new Error('could not start a child process')
  return child.pid
}

/** Starts a contender; resolves with its first output line (`held`, `locked` or `error ...`). */
function contend(path: string, startAt: number): { child: ChildProcess; result: Promise<string> } {
  const child = spawn(process.execPath, [CONTENDER, path, String(startAt)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  const result = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('\n')) resolve(out.trim())
    })
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve(out.trim() || `exit ${code}: ${err.trim()}`))
  })
  return { child, result }
}

describe('run.lock: a stale lock taken over by processes racing for it', () => {
  test("4 processes x 20 trials on a dead holder's lock: exactly one holder each trial", async () => {
    const trials = 20
    const outcomes: string[][] = []
    for (let trial = 0; trial < trials; trial++) {
      const dir = await tempDir('sluice-faults-lock-')
      const path = join(dir, 'run.lock')
      await writeFile(
        path,
        JSON.stringify({ pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00Z' }),
      )
      // every contender has loaded @sluice/core by then (about 0.2 s on 2 busy cores)
      const startAt = Date.now() + 900
      const contenders = Array.from({ length: 4 }, () => contend(path, startAt))
      const results = await Promise.all(contenders.map((c) => c.result))
      for (const c of contenders) c.child.stdin!.end()
      await Promise.all(
        contenders.map(
          (c) => new Promise((r) => (c.child.exitCode !== null ? r(0) : c.child.on('close', r))),
        ),
      )
      outcomes.push(results)
      expect(
        results.filter((r) => r !== 'held' && r !== 'locked'),
        `trial ${trial}`,
      ).toEqual([])
    }
    const holders = outcomes.map((r) => r.filter((x) => x === 'held').length)
    printFigures('files.test.ts', { lockTrials: trials, contenders: 4 * trials })
    expect(holders).toEqual(Array.from({ length: trials }, () => 1))
  }, 180_000)

  test('the holder of the taken-over lock is named in it, and releasing removes it', async () => {
    const dir = await tempDir('sluice-faults-lock-')
    const path = join(dir, 'run.lock')
    await writeFile(path, JSON.stringify({ pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00Z' }))
    const c = contend(path, Date.now())
    expect(await c.result).toBe('held')
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(c.child.pid)
    c.child.stdin!.end()
    await new Promise((r) => c.child.on('close', r))
    await expect(readFile(path, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

let mock: RunningClockodoMock
const mounts: string[] = []

beforeAll(async () => {
  mock = await startMock()
})

afterAll(async () => {
  for (const m of mounts.splice(0)) spawnSync('umount', [m])
  await mock?.close()
})

/** Runs the CLI in a fresh folder with the suite's environment (plus `env`); files are written there first. */
async function cli(
  args: string[],
  options: { env?: Record<string, string | undefined>; files?: Record<string, string>; cwd?: string } = {},
) {
  const cwd = options.cwd ?? (await tempDir('sluice-faults-files-'))
  for (const [file, text] of Object.entries(options.files ?? {})) {
    await mkdir(dirname(join(cwd, file)), { recursive: true })
    await writeFile(join(cwd, file), text)
  }
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...cliEnv(cwd, mock.baseUrl), ...options.env }))
    if (v !== undefined) env[k] = v
  const r = await runCli(args, { cwd, env })
  return { ...r, cwd }
}

/**
 * A folder on a small tmpfs mount (read-only, or of `size`) for disk-full and read-only cases, or undefined with
 * the reason printed when this machine cannot mount one (not root, or no CAP_SYS_ADMIN in a container).
 */
async function mountTmpfs(options: string): Promise<string | undefined> {
  const dir = await tempDir('sluice-faults-mount-')
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (error) {
    console.info(
      `[files] cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]}); case skipped`,
    )
    return undefined
  }
  mounts.push(dir)
  return dir
}

describe('commands fail clearly, naming the file or setting and the fix', () => {
  test('a read-only pipelines folder', async (ctx) => {
    const ro = await mountTmpfs('ro,size=64k')
    if (!ro) return ctx.skip()
    const r = await cli(['run', '--progress', 'none'], {
      env: { SLUICE_PIPELINES_DIR: join(ro, 'pipelines') },
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `cannot create the folder ${join(ro, 'pipelines')}: the file system is read-only (EROFS)`,
    )
    expect(r.stderr).toContain('--pipelines-dir or SLUICE_PIPELINES_DIR')
  })

  test('a full disk names the file that could not be written', async (ctx) => {
    const small = await mountTmpfs('size=96k')
    if (!small) return ctx.skip()
    const r = await cli(['run', '--progress', 'none'], {
      env: { SLUICE_PIPELINES_DIR: join(small, 'pipelines') },
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      new RegExp(
        `cannot (write|create the folder) ${small}/pipelines/clockodo_pipeline/\\S+: the disk is full \\(ENOSPC\\): free space on that disk`,
      ),
    )
  })

  test('a DuckDB error shows the database path (a path is not a secret); secrets stay hidden', async () => {
    const r = await cli(['run', '--progress', 'none'], {
      env: { DESTINATION__DUCKDB__CREDENTIALS: '/nonexistent-folder/data.duckdb' },
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('cannot open the database file /nonexistent-folder/data.duckdb')
    expect(r.stderr).not.toContain('***')
  })

  test.each([
    [['--page-workers', '-1'], '--page-workers "-1" must be auto or a whole number from 0 to 64'],
    [['--lookback-days', '-3'], '--lookback-days "-3" must be a whole number of days (0 or more)'],
  ])('run %j', async (flags, message) => {
    const r = await cli(['run', ...flags])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
  })

  test.each([
    [
      '[[sources.clockodo]]\napi_user = "owner@example.com"\n',
      '.sluice/config.toml: [[sources.clockodo]] makes an array of tables; write [sources.clockodo] (single brackets)',
    ],
    [
      'sources = "oops"\n',
      '.sluice/config.toml: sources is a string, not a table: write its settings under [sources.clockodo]',
    ],
    [
      '[destination]\npostgres = "postgresql://u:p@h/d"\n',
      '.sluice/config.toml: destination.postgres is a string; write the settings under [destination.postgres]',
    ],
  ])('config.toml %j', async (toml, message) => {
    const r = await cli(['run'], { files: { '.sluice/config.toml': toml } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${r.cwd}/${message}`)
    expect(r.stderr).not.toContain('u:p@h')
  })

  test('a raw ? in a PostgreSQL password', async () => {
    const r = await cli(['run', '--destination', 'postgres'], {
      env: { DESTINATION__POSTGRES__CREDENTIALS: 'postgresql://loader:se?cret-pw@127.0.0.1:5432/db' },
    })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('the user name or password contains a raw "?"')
    expect(r.stderr).toContain('percent-encode it as %3F')
    expect(r.stderr).toContain('DESTINATION__POSTGRES__CREDENTIALS')
    expect(r.stderr).not.toContain('se?cret-pw')
  })

  test('an empty SLUICE_PIPELINES_DIR is refused, and nothing is written into the working folder', async () => {
    const r = await cli(['run', '--progress', 'none'], { env: { SLUICE_PIPELINES_DIR: '' } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('SLUICE_PIPELINES_DIR is set but empty')
    expect(await readdir(r.cwd)).toEqual([])
    const flag = await cli(['run', '--progress', 'none', '--pipelines-dir', ''])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain('--pipelines-dir is empty')
    expect(await readdir(flag.cwd)).toEqual([])
  })

  test('a config.toml symlink to a missing file', async () => {
    const cwd = await tempDir('sluice-faults-files-')
    await mkdir(join(cwd, '.sluice'))
    await symlink(join(cwd, 'shared', 'config.toml'), join(cwd, '.sluice', 'config.toml'))
    const r = await cli(['run'], { cwd })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(
      `${cwd}/.sluice/config.toml is a symbolic link to ${cwd}/shared/config.toml, which does not exist`,
    )
  })

  test('load-package with a path instead of a load id reads nothing outside the pipeline folder', async () => {
    const cwd = await tempDir('sluice-faults-files-')
    // where <pipelines>/clockodo_pipeline/packages/../../x/package.json leads
    await mkdir(join(cwd, 'pipelines', 'x'), { recursive: true })
    await writeFile(
      join(cwd, 'pipelines', 'x', 'package.json'),
      '{"loadId":"OUTSIDE-MARKER","state":"loaded","jobs":[],"tables":{}}',
    )
    // a pipeline that exists (an unknown one is refused before any path is built)
    const own = join(cwd, 'pipelines', 'clockodo_pipeline')
    await mkdir(own, { recursive: true })
    await writeFile(join(own, 'state.json'), '{}')
    const r = await cli(['pipeline', 'load-package', '../../x'], { cwd })
    expect(r.code).toBe(2)
    expect(r.stdout).not.toContain('OUTSIDE-MARKER')
    expect(r.stderr).toContain('"../../x" is not a load id')
    expect(await readdir(own)).toEqual(['state.json'])
  })
})

describe('file permissions of a folder that is not writable (another user)', () => {
  test('as a user who may not write there, the message names the folder', async (ctx) => {
    if (process.getuid?.() === 0) {
      console.info('[files] running as root, which may write anywhere: the read-only mount case covers it')
      return ctx.skip()
    }
    const cwd = await tempDir('sluice-faults-files-')
    await mkdir(join(cwd, 'locked'))
    await chmod(join(cwd, 'locked'), 0o555)
    const r = await cli(['run', '--progress', 'none'], {
      cwd,
      env: { SLUICE_PIPELINES_DIR: join(cwd, 'locked', 'p') },
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `cannot create the folder ${join(cwd, 'locked', 'p')}: permission denied (EACCES)`,
    )
  })
})
