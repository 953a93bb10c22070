import { SluiceError } from '@sluice/core/destination'

/** Files larger than this go up in parts (S3 multipart, Azure blocks, GCS resumable chunks) by default: 16 MiB. */
export const DEFAULT_MULTIPART_THRESHOLD: number = 16 * 1024 * 1024
/** Default size of one part (block, chunk): 8 MiB. */
export const DEFAULT_PART_SIZE: number = 8 * 1024 * 1024
/** Parts of one file uploaded at once by default (S3, Azure): 4. */
export const DEFAULT_UPLOAD_CONCURRENCY: number = 4

/** A body for {@link FileStore.put}. */
export type FileBody = Uint8Array | ReadableStream<Uint8Array> | string

/**
 * Where the filesystem destination (and the warehouses' staging area) keeps files: a local folder, an
 * S3-compatible bucket, a GCS bucket or an Azure container. Keys are relative to the store's root, `/`-separated, without `.`/`..` segments.
 * MUST-rules for implementers: `put`/`putFile` replace an existing key and are atomic for readers
 * (a reader sees the old or the new file, never half of one); `list` returns keys, sorted; `delete` ignores
 * missing keys; `url` never contains secrets.
 */
export interface FileStore {
  /** Writes `body` to `key`, replacing what was there. */
  put(key: string, body: FileBody): Promise<void>
  /** Uploads a local file to `key`, replacing what was there. */
  putFile(key: string, localPath: string): Promise<void>
  /** The file's bytes, or `undefined` when the key does not exist. */
  get(key: string): Promise<Uint8Array | undefined>
  /** Every key that starts with `prefix` (`''` = all), sorted. */
  list(prefix: string): Promise<string[]>
  /** Deletes the keys; missing keys are ignored. */
  delete(keys: readonly string[]): Promise<void>
  /** The file's URL (`file:///...`, `s3://bucket/...`, `gs://...`, `az://...`), without secrets. */
  url(key: string): string
  /** The store's root URL, without secrets. */
  readonly rootUrl: string
  /** Releases connections (S3 clients the store created). Optional. */
  close?(): Promise<void>
}

/** Throws unless `key` is a safe relative key: no leading `/`, no `\`, no empty, `.` or `..` segments. */
export function assertSafeKey(key: string): void {
  const bad =
    key === '' ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    key.split('/').some((s) => s === '' || s === '.' || s === '..')
  if (bad) {
    throw new SluiceError('FILESYSTEM_UNSAFE_PATH', `refusing the file key ${JSON.stringify(key)}`, {
      hint: 'keys must be relative paths without empty, "." or ".." segments; this is a bug, please report it',
    })
  }
}

/** Reads a web stream or string body into bytes. */
export async function bodyBytes(body: FileBody): Promise<Uint8Array> {
  if (typeof body === 'string') return new TextEncoder().encode(body)
  if (body instanceof Uint8Array) return body
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
  }
  const out = new Uint8Array(size)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}
