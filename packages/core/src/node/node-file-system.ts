import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import * as zlib from 'node:zlib'
import { SluiceError } from '../errors.ts'
import { type Checksum, CRC32_PREFIX } from '../storage/checksum.ts'
import type { FileSystem, FileWriter } from '../storage/file-system.ts'
import { lockFile } from './node-lock.ts'

const encoder = new TextEncoder()
const CHUNK = 256 * 1024

function parentOf(path: string): string {
  const i = path.lastIndexOf('/')
  return i <= 0 ? '/' : path.slice(0, i)
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | undefined)?.code
}

function isNotFound(error: unknown): boolean {
  return errorCode(error) === 'ENOENT'
}

const ELSEWHERE =
  "or keep the pipeline's files elsewhere (the pipeline's pipelinesDir; in the sluice CLI --pipelines-dir or SLUICE_PIPELINES_DIR)"

const WHY: Record<string, [reason: string, hint: string]> = {
  ENOSPC: ['the disk is full', `free space on that disk, ${ELSEWHERE}`],
  EDQUOT: ['the disk quota is used up', `free space within the quota, ${ELSEWHERE}`],
  EROFS: ['the file system is read-only', `mount it writable, ${ELSEWHERE}`],
  EACCES: ['permission denied', `make the folder writable for this user, ${ELSEWHERE}`],
  EPERM: ['the operation is not permitted', `make the folder writable for this user, ${ELSEWHERE}`],
  ENOTDIR: ['a part of the path is a file, not a folder', `remove or rename that file, ${ELSEWHERE}`],
  ENOENT: ['a part of the path does not exist', `check the path, ${ELSEWHERE}`],
  EISDIR: ['it is a folder, not a file', 'remove or rename that folder'],
  EMFILE: ['too many open files', 'raise the limit of open files (ulimit -n)'],
}

/**
 * A file system error as a `PIPELINE_FILES` {@link SluiceError} that names the path and what to do: Node's own
 * messages name no path for a failed write (`ENOSPC: no space left on device, write`).
 */
function fileError(what: string, path: string, cause: unknown): SluiceError {
  if (cause instanceof SluiceError) return cause
  const code = errorCode(cause)
  const [reason, hint] = (code !== undefined ? WHY[code] : undefined) ?? [
    cause instanceof Error ? cause.message : String(cause),
    'check the path and the disk',
  ]
  return new SluiceError('PIPELINE_FILES', `cannot ${what} ${path}: ${reason}${code ? ` (${code})` : ''}`, {
    cause,
    hint,
  })
}

/** Runs `fn`, turning its file system errors into {@link fileError}s about `path`. */
async function on<T>(what: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw fileError(what, path, error)
  }
}

/**
 * Flushes a directory's entries to disk (a file created or renamed in it survives a power loss). Best effort:
 * some systems cannot open a directory for that (EISDIR, EPERM, EINVAL), and the file itself is synced already.
 */
async function syncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch (error) {
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES'].includes(errorCode(error) ?? '')) throw error
  } finally {
    await handle?.close()
  }
}

/**
 * Why `mkdir -p dir` failed: Node's recursive mkdir reports ENOENT when a parent cannot be made (a read-only file
 * system, no permission), so the first missing folder is made alone, which fails with the real reason.
 */
async function mkdirError(dir: string, error: unknown): Promise<{ path: string; error: unknown }> {
  if (errorCode(error) !== 'ENOENT') return { path: (error as { path?: string }).path ?? dir, error }
  let missing = dir
  for (let parent = parentOf(missing); parent !== missing; parent = parentOf(missing)) {
    try {
      await stat(parent)
      break
    } catch {
      missing = parent
    }
  }
  try {
    await mkdir(missing)
  } catch (direct) {
    return { path: missing, error: direct }
  }
  return { path: dir, error }
}

/** `mkdir -p`, with an error naming the folder that could not be made and why. */
async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true })
  } catch (error) {
    const real = await mkdirError(dir, error)
    throw fileError('create the folder', real.path, real.error)
  }
}

/**
 * The {@link FileSystem} for Node.js 20+ and Deno 2 (through `node:fs/promises`). `writeText` is atomic and
 * durable (a temp file beside the target, fsync, rename, fsync of the folder) and creates missing parent
 * directories, as do `openWriter` (whose `close` syncs the file and its folder), `rename` and `lock` (a lock file
 * holding pid, host and time; see {@link lockFile}). Errors are `PIPELINE_FILES` {@link SluiceError}s naming the
 * path and the fix (disk full, read-only, permission denied ...). `crc32` is `node:zlib`'s where the runtime has it
 * (Node.js 20.15 and later).
 */
export function nodeFileSystem(): FileSystem {
  return {
    ...(nativeCrc32 ? { crc32: () => crc32Of(nativeCrc32!) } : {}),
    readText: (path) => on('read', path, () => readFile(path, 'utf8')),
    async writeText(path, text) {
      const dir = parentOf(path)
      await makeDir(dir)
      const tmp = `${path}.${crypto.randomUUID()}.tmp`
      await on('write', path, async () => {
        try {
          const handle = await open(tmp, 'w')
          try {
            await handle.writeFile(text, 'utf8')
            await handle.sync()
          } finally {
            await handle.close()
          }
          await rename(tmp, path)
        } catch (error) {
          await rm(tmp, { force: true })
          throw error
        }
        await syncDir(dir)
      })
    },
    async openWriter(path) {
      await makeDir(parentOf(path))
      const handle = await on('create', path, () => open(path, 'a'))
      let bytes = 0
      let closed: Promise<void> | undefined
      const writer: FileWriter = {
        get bytes() {
          return bytes
        },
        async write(chunk) {
          if (closed) throw new Error(`file ${path} is closed`)
          const data = typeof chunk === 'string' ? encoder.encode(chunk) : chunk
          await on('write', path, async () => {
            let offset = 0
            while (offset < data.length) {
              const { bytesWritten } = await handle.write(data, offset, data.length - offset)
              offset += bytesWritten
            }
          })
          bytes += data.length
        },
        close() {
          closed ??= on('write', path, async () => {
            try {
              await handle.datasync()
            } finally {
              await handle.close()
            }
            await syncDir(parentOf(path))
          })
          return closed
        },
      }
      return writer
    },
    readStream(path) {
      let handle: Awaited<ReturnType<typeof open>> | undefined
      return new ReadableStream<Uint8Array>({
        async start() {
          handle = await on('read', path, () => open(path, 'r'))
        },
        async pull(controller) {
          const buffer = new Uint8Array(CHUNK)
          const { bytesRead } = await on('read', path, () => handle!.read(buffer, 0, CHUNK, null))
          if (bytesRead === 0) {
            await handle!.close()
            controller.close()
            return
          }
          controller.enqueue(buffer.subarray(0, bytesRead))
        },
        async cancel() {
          await handle?.close()
        },
      })
    },
    async exists(path) {
      try {
        await stat(path)
        return true
      } catch (error) {
        if (isNotFound(error)) return false
        throw fileError('read', path, error)
      }
    },
    async list(dir) {
      try {
        return (await readdir(dir)).sort()
      } catch (error) {
        if (isNotFound(error) || errorCode(error) === 'ENOTDIR') return []
        throw fileError('list the folder', dir, error)
      }
    },
    mkdir: makeDir,
    async rename(from, to) {
      await makeDir(parentOf(to))
      await on('move', `${from} to ${to}`, () => rename(from, to))
    },
    async remove(path) {
      await on('remove', path, () => rm(path, { recursive: true, force: true }))
    },
    async size(path) {
      return (await on('read', path, () => stat(path))).size
    },
    async lock(path) {
      await makeDir(parentOf(path))
      return on('create the lock file', path, () => lockFile(path))
    },
    join(...parts) {
      return parts
        .filter((p) => p !== '')
        .join('/')
        .replace(/\/{2,}/g, '/')
    },
  }
}

type Crc32 = (data: Uint8Array, value?: number) => number

/** `node:zlib`'s CRC-32 (Node.js 20.15 and later), where this runtime has it. */
const nativeCrc32 = (zlib as { crc32?: Crc32 }).crc32

/** A streaming {@link Checksum} over a CRC-32 function that continues from a value. */
function crc32Of(crc32: Crc32): Checksum {
  let value = 0
  return {
    update(bytes) {
      value = crc32(bytes, value)
    },
    digest: () => CRC32_PREFIX + (value >>> 0).toString(16).padStart(8, '0'),
  }
}
