import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { clearInterval, setInterval } from 'node:timers'
import { SluiceError } from '../errors.ts'
import type { FileLock } from '../storage/file-system.ts'

/** What a lock file holds: the process that took the lock. */
interface LockOwner {
  pid: number
  host: string
  since: string
}

/** A lock file that cannot be read yet is left alone this long (its owner may be writing it right now). */
const UNREADABLE_GRACE_MS = 10_000

/** Options of {@link lockFile}. */
export interface LockFileOptions {
  /** How often the holder touches the lock file (its modification time is the sign of life). Default 30 s. */
  refreshMs?: number
  /**
   * A lock file untouched this long is taken over, whoever holds it: a process killed on another host (a
   * container, a CI runner) cannot be checked by its pid. Default 5 minutes.
   */
  staleMs?: number
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | undefined)?.code
}

async function readOwner(path: string): Promise<LockOwner | 'missing' | 'unreadable'> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'missing'
    throw error
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>
    if (typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.since === 'string')
      return owner as LockOwner
  } catch {
    // fall through
  }
  return 'unreadable'
}

/**
 * True while the owner may still run: another host (it cannot be checked from here), or a process on this host
 * that exists. `kill(pid, 0)` only checks: ESRCH means no such process, EPERM one of another user.
 */
export function ownerAlive(owner: Pick<LockOwner, 'pid' | 'host'>, host: string = hostname()): boolean {
  if (owner.host !== host) return true
  try {
    process.kill(owner.pid, 0)
    return true
  } catch (error) {
    return errorCode(error) !== 'ESRCH'
  }
}

function lockedError(path: string, owner: LockOwner | undefined, staleMs: number): SluiceError {
  const who = owner
    ? `process ${owner.pid} on host ${JSON.stringify(owner.host)} has held ${path} since ${owner.since}`
    : `${path} is being taken by another process`
  const minutes = Math.round(staleMs / 6_000) / 10
  return new SluiceError('PIPELINE_LOCKED', `this pipeline is already running: ${who}`, {
    hint: `wait for that run to finish (two runs of one pipeline would load the same rows twice); a lock its holder stopped refreshing is taken over after ${minutes} min, or delete ${path} if no run is active any more`,
  })
}

/** Milliseconds since the lock file was last touched; Infinity when it is gone. */
async function idleMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs
  } catch {
    return Number.POSITIVE_INFINITY
  }
}

/**
 * Takes the lock file `path` (created exclusively, holding pid, host and time) and touches it every
 * `refreshMs` while held. A lock is taken over when its process on this host no longer exists, when it was not
 * touched for `staleMs` (its holder died on another host), or when it stayed unreadable for 10 s.
 */
export async function lockFile(path: string, options: LockFileOptions = {}): Promise<FileLock> {
  const refreshMs = options.refreshMs ?? 30_000
  const staleMs = options.staleMs ?? 300_000
  const mine: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, JSON.stringify(mine), { flag: 'wx' })
      let released = false
      const timer = setInterval(() => {
        const now = new Date()
        utimes(path, now, now).catch(() => {})
      }, refreshMs)
      timer.unref()
      return {
        release: async () => {
          if (released) return
          released = true
          clearInterval(timer)
          // only our own lock: a file someone else owns now stays
          const owner = await readOwner(path)
          if (typeof owner === 'object' && owner.pid === mine.pid && owner.since === mine.since)
            await rm(path, { force: true })
        },
      }
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error
    }
    const owner = await readOwner(path)
    if (owner === 'missing') continue
    const idle = await idleMs(path)
    if (owner === 'unreadable') {
      if (idle < UNREADABLE_GRACE_MS) throw lockedError(path, undefined, staleMs)
    } else if (idle < staleMs && ownerAlive(owner)) {
      throw lockedError(path, owner, staleMs)
    }
    await rm(path, { force: true })
  }
  throw lockedError(path, undefined, staleMs)
}
