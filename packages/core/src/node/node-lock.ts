import { readFile, rm, stat, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
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

function lockedError(path: string, owner: LockOwner | undefined): SluiceError {
  const who = owner
    ? `process ${owner.pid} on host ${JSON.stringify(owner.host)} has held ${path} since ${owner.since}`
    : `${path} is being taken by another process`
  return new SluiceError('PIPELINE_LOCKED', `this pipeline is already running: ${who}`, {
    hint: `wait for that run to finish (two runs of one pipeline would load the same rows twice); if no run is active any more, delete ${path}`,
  })
}

/**
 * Takes the lock file `path` (created exclusively, holding pid, host and time). A lock left by a process of
 * this host that no longer exists, or a file that stayed unreadable for 10 s, is removed and taken over.
 */
export async function lockFile(path: string): Promise<FileLock> {
  const mine: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, JSON.stringify(mine), { flag: 'wx' })
      let released = false
      return {
        release: async () => {
          if (released) return
          released = true
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
    if (owner === 'unreadable') {
      const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: 0 }))).mtimeMs
      if (age < UNREADABLE_GRACE_MS) throw lockedError(path, undefined)
    } else if (ownerAlive(owner)) {
      throw lockedError(path, owner)
    }
    await rm(path, { force: true })
  }
  throw lockedError(path, undefined)
}
