import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { tempDir } from '../src/index.ts'
import { printFigures } from './helpers.ts'

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
