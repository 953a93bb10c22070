import { createHash, randomUUID } from 'node:crypto'
import { readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { clearInterval, setInterval } from 'node:timers'
import { SluiceError } from '../errors.ts'
import type { FileLock } from '../storage/file-system.ts'

/** What a lock file holds: the process that took the lock (`id` tells two takings of one process apart). */
interface LockOwner {
  pid: number
  host: string
  since: string
  id?: string
}

/** A lock file as read: its exact text, and its owner when the text is one. */
interface SeenLock {
  text: string
  owner: LockOwner | undefined
}

/** A lock file that cannot be read yet is left alone this long (its owner may be writing it right now). */
const UNREADABLE_GRACE_MS = 10_000

/** Rounds of "create, else take over" before a contender gives up (each loses only to another taker). */
const ATTEMPTS = 5

/** Claims of claims: a taker that died while taking over is itself taken over, this deep at most. */
const MAX_CLAIM_DEPTH = 2

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

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>
    if (typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.since === 'string')
      return owner as LockOwner
  } catch {
    // not a lock file's JSON (yet): unreadable
  }
  return undefined
}

async function readLock(path: string): Promise<SeenLock | undefined> {
  try {
    const text = await readFile(path, 'utf8')
    return { text, owner: parseOwner(text) }
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined
    throw error
  }
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

/** Milliseconds since the file was last touched; Infinity when it is gone. */
async function idleMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs
  } catch {
    return Number.POSITIVE_INFINITY
  }
}

/** True when the lock (or claim) at `path` may be taken over: its owner is gone, or it was left untouched. */
async function isStale(path: string, seen: SeenLock, staleMs: number): Promise<boolean> {
  const idle = await idleMs(path)
  if (!seen.owner) return idle >= UNREADABLE_GRACE_MS
  return idle >= staleMs || !ownerAlive(seen.owner)
}

/** Creates `path` holding `text` unless it exists (`O_EXCL`): the one step that decides who gets a lock. */
async function createExclusive(path: string, text: string): Promise<boolean> {
  try {
    await writeFile(path, text, { flag: 'wx' })
    return true
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false
    throw error
  }
}

/** Replaces `path` with `text` in one step (a temp file renamed over it). */
async function replace(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`
  try {
    await writeFile(tmp, text)
    await rename(tmp, path)
  } finally {
    await rm(tmp, { force: true })
  }
}

async function removeIfHolds(path: string, text: string): Promise<void> {
  if ((await readLock(path))?.text === text) await rm(path, { force: true })
}

/** The claim that decides who takes over the lock (or claim) at `target` while it holds exactly `staleText`. */
function claimPath(target: string, staleText: string): string {
  return `${target}.${createHash('sha256').update(staleText).digest('hex').slice(0, 16)}.takeover`
}

/**
 * Takes over the stale lock at `target`, which held `staleText` when it was read. Deleting a stale lock and
 * creating a new one races (two takers that both saw it stale delete each other's new lock), so the right to
 * replace this one stale lock is decided by creating a claim file named after its exact content: one taker
 * creates it, and only while `target` still holds that content does it rename its own lock over it. A claim
 * whose taker died is taken over the same way. True when `target` now holds `mine`.
 */
async function takeOver(
  target: string,
  staleText: string,
  mine: string,
  staleMs: number,
  depth = 0,
): Promise<boolean> {
  const claim = claimPath(target, staleText)
  if (!(await createExclusive(claim, mine))) {
    const other = await readLock(claim)
    if (!other || depth >= MAX_CLAIM_DEPTH || !(await isStale(claim, other, staleMs))) return false
    if (!(await takeOver(claim, other.text, mine, staleMs, depth + 1))) return false
  }
  try {
    if ((await readLock(target))?.text !== staleText) return false
    await replace(target, mine)
    return true
  } finally {
    await removeIfHolds(claim, mine)
  }
}

/**
 * Takes the lock file `path` (created exclusively, holding pid, host, time and a random id) and touches it every
 * `refreshMs` while held. A lock is taken over when its process on this host no longer exists, when it was not
 * touched for `staleMs` (its holder died on another host), or when it stayed unreadable for 10 s; the takeover
 * is atomic (see {@link takeOver}): of several processes that find the same stale lock, exactly one gets it.
 */
export async function lockFile(path: string, options: LockFileOptions = {}): Promise<FileLock> {
  const refreshMs = options.refreshMs ?? 30_000
  const staleMs = options.staleMs ?? 300_000
  const mine = JSON.stringify({
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    id: randomUUID(),
  } satisfies LockOwner)
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createExclusive(path, mine)) return held(path, mine, refreshMs)
    const seen = await readLock(path)
    if (!seen) continue
    if (!(await isStale(path, seen, staleMs))) throw lockedError(path, seen.owner, staleMs)
    if (await takeOver(path, seen.text, mine, staleMs)) return held(path, mine, refreshMs)
  }
  // every round lost to another process taking the same stale lock over
  throw lockedError(path, undefined, staleMs)
}

function held(path: string, mine: string, refreshMs: number): FileLock {
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
      await removeIfHolds(path, mine)
    },
  }
}
