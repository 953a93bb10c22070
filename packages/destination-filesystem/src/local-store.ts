import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { pathToFileURL } from 'node:url'
import { SluiceError } from '@sluice/core/destination'
import { assertSafeKey, type FileBody, type FileStore } from './filesystem-store.ts'

/**
 * A {@link FileStore} over a local folder (created on first write). Writes go to a temporary file beside
 * the target, then a rename, so readers never see half a file. `root` may be relative (to the working
 * directory).
 */
export function localStore(root: string): FileStore {
  const base = resolve(root)
  const pathOf = (key: string): string => {
    assertSafeKey(key)
    const path = join(base, ...key.split('/'))
    if (!path.startsWith(base + sep))
      throw new SluiceError('FILESYSTEM_UNSAFE_PATH', `refusing the file key ${key}`)
    return path
  }
  const atomically = async (key: string, write: (tmp: string) => Promise<void>): Promise<void> => {
    const path = pathOf(key)
    await mkdir(dirname(path), { recursive: true })
    const tmp = `${path}.${randomUUID().slice(0, 8)}.tmp`
    try {
      await write(tmp)
      await rename(tmp, path)
    } catch (error) {
      await rm(tmp, { force: true })
      throw wrap(error, `could not write ${path}`)
    }
  }
  return {
    rootUrl: pathToFileURL(base).href,
    url: (key) => pathToFileURL(pathOf(key)).href,
    put: (key: string, body: FileBody) =>
      atomically(key, async (tmp) => {
        if (typeof body === 'string' || body instanceof Uint8Array) await writeFile(tmp, body)
        else
          await pipeline(
            Readable.fromWeb(body as import('node:stream/web').ReadableStream),
            createWriteStream(tmp),
          )
      }),
    putFile: (key, localPath) => atomically(key, (tmp) => copyFile(localPath, tmp)),
    async get(key) {
      try {
        return new Uint8Array(await readFile(pathOf(key)))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw wrap(error, `could not read ${pathOf(key)}`)
      }
    },
    async list(prefix) {
      const out: string[] = []
      const walk = async (dir: string, rel: string): Promise<void> => {
        let entries: import('node:fs').Dirent[]
        try {
          entries = await readdir(dir, { withFileTypes: true })
        } catch (error) {
          if (
            (error as NodeJS.ErrnoException).code === 'ENOENT' ||
            (error as NodeJS.ErrnoException).code === 'ENOTDIR'
          )
            return
          throw wrap(error, `could not list ${dir}`)
        }
        for (const e of entries) {
          const key = rel ? `${rel}/${e.name}` : e.name
          if (e.isDirectory()) {
            if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(join(dir, e.name), key)
          } else if (e.isFile() && key.startsWith(prefix) && !e.name.endsWith('.tmp')) out.push(key)
        }
      }
      // start at the deepest folder the prefix names
      const slash = prefix.lastIndexOf('/')
      const startRel = slash > 0 ? prefix.slice(0, slash) : ''
      if (startRel) assertSafeKey(startRel)
      await walk(startRel ? join(base, ...startRel.split('/')) : base, startRel)
      return out.sort()
    },
    async delete(keys) {
      await Promise.all(keys.map((k) => rm(pathOf(k), { force: true })))
    },
  }
}

function wrap(error: unknown, what: string): SluiceError {
  const code = (error as NodeJS.ErrnoException).code
  const transient = code === 'EBUSY' || code === 'EAGAIN' || code === 'EMFILE'
  return new SluiceError('FILESYSTEM_IO', `${what}${code ? ` (${code})` : ''}`, {
    cause: error,
    transient,
    hint: code === 'EACCES' || code === 'EPERM' ? 'check the folder permissions' : undefined,
  })
}
