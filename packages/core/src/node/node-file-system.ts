import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import type { FileSystem, FileWriter } from '../storage/file-system.ts'
import { lockFile } from './node-lock.ts'

const encoder = new TextEncoder()
const CHUNK = 256 * 1024

function parentOf(path: string): string {
  const i = path.lastIndexOf('/')
  return i <= 0 ? '/' : path.slice(0, i)
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === 'ENOENT'
}

/**
 * The {@link FileSystem} for Node.js 20+ and Deno 2 (through `node:fs/promises`). `writeText` is atomic
 * (a temp file beside the target, then rename) and creates missing parent directories, as do `openWriter`,
 * `rename` and `lock` (a lock file holding pid, host and time; see {@link lockFile}).
 */
export function nodeFileSystem(): FileSystem {
  return {
    readText: (path) => readFile(path, 'utf8'),
    async writeText(path, text) {
      await mkdir(parentOf(path), { recursive: true })
      const tmp = `${path}.${crypto.randomUUID()}.tmp`
      try {
        await writeFile(tmp, text, 'utf8')
        await rename(tmp, path)
      } catch (error) {
        await rm(tmp, { force: true })
        throw error
      }
    },
    async openWriter(path) {
      await mkdir(parentOf(path), { recursive: true })
      const handle = await open(path, 'a')
      let bytes = 0
      let closed = false
      const writer: FileWriter = {
        get bytes() {
          return bytes
        },
        async write(chunk) {
          if (closed) throw new Error(`file ${path} is closed`)
          const data = typeof chunk === 'string' ? encoder.encode(chunk) : chunk
          let offset = 0
          while (offset < data.length) {
            const { bytesWritten } = await handle.write(data, offset, data.length - offset)
            offset += bytesWritten
          }
          bytes += data.length
        },
        async close() {
          if (closed) return
          closed = true
          await handle.close()
        },
      }
      return writer
    },
    readStream(path) {
      let handle: Awaited<ReturnType<typeof open>> | undefined
      return new ReadableStream<Uint8Array>({
        async start() {
          handle = await open(path, 'r')
        },
        async pull(controller) {
          const buffer = new Uint8Array(CHUNK)
          const { bytesRead } = await handle!.read(buffer, 0, CHUNK, null)
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
        throw error
      }
    },
    async list(dir) {
      try {
        return (await readdir(dir)).sort()
      } catch (error) {
        if (isNotFound(error) || (error as { code?: string }).code === 'ENOTDIR') return []
        throw error
      }
    },
    async mkdir(dir) {
      await mkdir(dir, { recursive: true })
    },
    async rename(from, to) {
      await mkdir(parentOf(to), { recursive: true })
      await rename(from, to)
    },
    async remove(path) {
      await rm(path, { recursive: true, force: true })
    },
    async size(path) {
      return (await stat(path)).size
    },
    async lock(path) {
      await mkdir(parentOf(path), { recursive: true })
      return lockFile(path)
    },
    join(...parts) {
      return parts
        .filter((p) => p !== '')
        .join('/')
        .replace(/\/{2,}/g, '/')
    },
  }
}
