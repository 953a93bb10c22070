import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isSluiceError } from '../errors.ts'
import { nodeFileSystem } from './node-file-system.ts'
import { lockFile, ownerAlive } from './node-lock.ts'

let dir: string
let path: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-lock-'))
  path = join(dir, 'run.lock')
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''])
  if (!child.pid) throw new Error('could not start a child process')
  return child.pid
}

/** Sets the lock file's modification time `ms` into the past. */
async function ageFile(ms: number): Promise<void> {
  const then = new Date(Date.now() - ms)
  await utimes(path, then, then)
}

async function lockedMessage(): Promise<string> {
  try {
    await lockFile(path)
  } catch (error) {
    expect(isSluiceError(error, 'PIPELINE_LOCKED')).toBe(true)
    return (error as Error).message
  }
  throw new Error('the lock was taken although it is held')
}

describe('lockFile', () => {
  it('is exclusive until released, and names its holder', async () => {
    const lock = await lockFile(path)
    const owner = JSON.parse(await readFile(path, 'utf8'))
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() })
    const message = await lockedMessage()
    expect(message).toContain(`process ${process.pid}`)
    expect(message).toContain(`delete ${path}`)
    await lock.release()
    await lock.release()
    const again = await lockFile(path)
    await again.release()
  })

  it('takes over a lock whose process on this host is gone', async () => {
    await writeFile(path, JSON.stringify({ pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00Z' }))
    const lock = await lockFile(path)
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid)
    await lock.release()
  })

  it('leaves a fresh lock of another host alone, takes it over once it was not touched for staleMs', async () => {
    await writeFile(
      path,
      JSON.stringify({ pid: deadPid(), host: 'elsewhere', since: '2026-01-01T00:00:00Z' }),
    )
    const message = await lockedMessage()
    expect(message).toContain('on host "elsewhere"')
    expect(message).toContain('taken over after 5 min')
    await ageFile(4 * 60_000)
    await lockedMessage()
    await ageFile(6 * 60_000)
    const lock = await lockFile(path)
    await lock.release()
  })

  it('takes over a lock of a live pid of this host that was not touched for staleMs (a reused pid)', async () => {
    await writeFile(
      path,
      JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-01-01T00:00:00Z' }),
    )
    await ageFile(2_000)
    expect(await lockedMessage()).toContain(`process ${process.pid}`)
    const lock = await lockFile(path, { staleMs: 1_000 })
    await lock.release()
  })

  it('touches the lock file while held; release removes it', async () => {
    const lock = await lockFile(path, { refreshMs: 10 })
    await ageFile(60_000)
    await vi.waitFor(async () => expect(Date.now() - (await stat(path)).mtimeMs).toBeLessThan(5_000), {
      timeout: 2_000,
      interval: 10,
    })
    await lock.release()
    expect(await readFile(path, 'utf8').catch(() => 'gone')).toBe('gone')
  })

  it('waits out a fresh unreadable lock file, takes over an old one', async () => {
    await writeFile(path, '')
    expect(await lockedMessage()).toContain('being taken by another process')
    const old = new Date(Date.now() - 60_000)
    await utimes(path, old, old)
    const lock = await lockFile(path)
    await lock.release()
  })

  it('release keeps a lock that another process took over meanwhile', async () => {
    const lock = await lockFile(path)
    const other = JSON.stringify({ pid: process.pid + 1, host: hostname(), since: 'later' })
    await writeFile(path, other)
    await lock.release()
    expect(await readFile(path, 'utf8')).toBe(other)
  })

  it('takes over a stale lock through a claim named after its content, and leaves no claim behind', async () => {
    await writeFile(path, JSON.stringify({ pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00Z' }))
    const lock = await lockFile(path)
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid)
    expect(await readdir(dir)).toEqual(['run.lock'])
    await lock.release()
    expect(await readdir(dir)).toEqual([])
  })

  it('leaves a stale lock to a live process that is taking it over right now', async () => {
    const stale = JSON.stringify({ pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00Z' })
    await writeFile(path, stale)
    // another process of this host (this one) holds the claim for exactly this stale lock
    const claimName = `run.lock.${createHash('sha256').update(stale).digest('hex').slice(0, 16)}.takeover`
    await writeFile(
      join(dir, claimName),
      JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }),
    )
    expect(await lockedMessage()).toContain('being taken by another process')
    expect(await readFile(path, 'utf8')).toBe(stale)
    // the claim's taker died: its claim is taken over in turn, and with it the lock
    await writeFile(
      join(dir, claimName),
      JSON.stringify({ pid: deadPid(), host: hostname(), since: new Date().toISOString() }),
    )
    const lock = await lockFile(path)
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid)
    expect((await readdir(dir)).filter((f) => f.endsWith('.takeover'))).toEqual([])
    await lock.release()
  })

  it('is what nodeFileSystem().lock takes, creating the directory', async () => {
    const fs = nodeFileSystem()
    const nested = join(dir, 'a', 'b', 'run.lock')
    const lock = await fs.lock!(nested)
    await expect(fs.lock!(nested)).rejects.toThrow(/already running/)
    await lock.release()
    expect(await fs.exists(nested)).toBe(false)
  })
})

describe('ownerAlive', () => {
  it('checks processes of this host, trusts other hosts', () => {
    expect(ownerAlive({ pid: process.pid, host: hostname() })).toBe(true)
    expect(ownerAlive({ pid: deadPid(), host: hostname() })).toBe(false)
    expect(ownerAlive({ pid: deadPid(), host: `${hostname()}-other` })).toBe(true)
  })
})
