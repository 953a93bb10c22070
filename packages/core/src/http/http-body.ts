// Reading response bodies with a size cap, and decoding them as UTF-8 while counting what was not UTF-8. Shared by
// the HTTP client (global fetch), the page workers (fetch or node:http) and the OAuth2 token request.
import { SluiceError } from '../errors.ts'
import type { HttpClientOptions } from './http-types.ts'

/** Default cap of a response body, compressed and decoded: 64 MiB (a Clockodo entries page is about 650 KB). */
export const DEFAULT_MAX_RESPONSE_BYTES: number = 64 * 1024 * 1024

/** The start of an error status's body that is read (for the message); the rest is not downloaded. */
export const ERROR_BODY_BYTES: number = 64 * 1024

/** A body longer than its cap; the HTTP client turns it into `HTTP_TOO_LARGE` with the URL. */
export class BodyTooLargeError extends Error {
  /** The cap in bytes. */
  readonly limit: number
  /** True when the bytes on the wire (still compressed) passed the cap, false when the decoded ones did. */
  readonly compressed: boolean

  constructor(limit: number, compressed: boolean) {
    super(`the response body is larger than ${limit} bytes${compressed ? ' (compressed)' : ''}`)
    this.name = 'BodyTooLargeError'
    this.limit = limit
    this.compressed = compressed
  }
}

/** `HTTP_TOO_LARGE` for a request whose body passed the cap (`safe`: its URL without secrets). */
export function tooLargeError(method: string, safe: string, e: BodyTooLargeError): SluiceError {
  const mib = Math.round((e.limit / 1024 / 1024) * 10) / 10
  return new SluiceError(
    'HTTP_TOO_LARGE',
    `${method} ${safe} sent a body larger than ${e.limit} bytes (${mib} MiB, ${e.compressed ? 'compressed' : 'decoded'}); it was not read further`,
    { hint: 'if the API really sends pages this large, raise maxResponseBytes (or ask for smaller pages)' },
  )
}

/** `HTTP_ENCODING` for a 2xx body that is not valid UTF-8 when the client is strict about it. */
export function invalidTextError(method: string, url: string, invalid: number): SluiceError {
  return new SluiceError(
    'HTTP_ENCODING',
    `${method} ${url} answered with a body that is not valid UTF-8 (${invalid} invalid character${invalid === 1 ? '' : 's'})`,
    {
      hint: 'the API sends another encoding than UTF-8; without strict mode (--strict) such characters are loaded as U+FFFD with a warning',
    },
  )
}

/**
 * Collects chunks of a body up to `limit` bytes. {@link add} throws {@link BodyTooLargeError} past the cap (or,
 * with `truncate`, keeps the first `limit` bytes and returns false: stop reading).
 */
export class BodyBytes {
  private readonly chunks: Uint8Array[] = []
  /** Bytes collected so far. */
  length = 0

  constructor(
    private readonly limit: number,
    private readonly options: { truncate?: boolean; compressed?: boolean } = {},
  ) {}

  /** Adds a chunk; false when the cap is reached and reading should stop (only with `truncate`). */
  add(chunk: Uint8Array): boolean {
    const room = this.limit - this.length
    if (chunk.length > room) {
      if (!this.options.truncate) throw new BodyTooLargeError(this.limit, this.options.compressed ?? false)
      if (room > 0) this.chunks.push(chunk.subarray(0, room))
      this.length = this.limit
      return false
    }
    this.chunks.push(chunk)
    this.length += chunk.length
    return this.length < this.limit || !this.options.truncate
  }

  /** Chunks collected so far. */
  get parts(): number {
    return this.chunks.length
  }

  /** The bytes collected, copied into `out` (at least {@link length} long): its start. */
  into(out: Uint8Array): Uint8Array {
    let at = 0
    for (const c of this.chunks) {
      out.set(c, at)
      at += c.length
    }
    return out.subarray(0, at)
  }

  /** The bytes collected, as one array. */
  bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!
    const out = new Uint8Array(this.length)
    let at = 0
    for (const c of this.chunks) {
      out.set(c, at)
      at += c.length
    }
    return out
  }
}

/**
 * Reads a web stream into one array, at most `limit` bytes: past it the stream is cancelled and the read fails with
 * {@link BodyTooLargeError} (with `truncate`: the first `limit` bytes are returned).
 */
export async function readStream(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
  options: { truncate?: boolean } = {},
): Promise<Uint8Array> {
  const bytes = new BodyBytes(limit, options)
  if (!stream) return bytes.bytes()
  const reader = stream.getReader()
  let done = false
  try {
    for (;;) {
      const r = await reader.read()
      if (r.done) {
        done = true
        break
      }
      if (!bytes.add(r.value)) break
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined)
  }
  return bytes.bytes()
}

/**
 * Reads a fetch response's body with the cap `limit`: a body announced longer (`content-length`, compressed or not)
 * fails before it is read, any body fails once more than `limit` decoded bytes came.
 */
export function readResponse(res: Response, limit: number): Promise<Uint8Array> {
  const length = Number(res.headers.get('content-length') ?? Number.NaN)
  if (length > limit) {
    void res.body?.cancel().catch(() => undefined)
    return Promise.reject(new BodyTooLargeError(limit, res.headers.has('content-encoding')))
  }
  return readStream(res.body, limit)
}

/** The start of an error status's body as text (the rest is not downloaded). */
export async function readErrorText(res: Response): Promise<string> {
  return lenient.decode(await readStream(res.body, ERROR_BODY_BYTES, { truncate: true }))
}

const strict = new TextDecoder('utf-8', { fatal: true })
const lenient = new TextDecoder()
const REPLACEMENT = 0xfffd

/**
 * Decodes UTF-8 (a byte order mark is dropped, as `TextDecoder` does) and counts the characters that were not
 * UTF-8: each invalid sequence becomes U+FFFD. Valid bodies cost one decode; only invalid ones are counted.
 */
export function decodeUtf8(bytes: Uint8Array): { text: string; invalid: number } {
  try {
    return { text: strict.decode(bytes), invalid: 0 }
  } catch {
    const text = lenient.decode(bytes)
    let replaced = 0
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === REPLACEMENT) replaced++
    // U+FFFD that the body itself held (EF BF BD) is not a replacement
    let genuine = 0
    for (let i = 0; i + 2 < bytes.length; i++) {
      if (bytes[i] === 0xef && bytes[i + 1] === 0xbf && bytes[i + 2] === 0xbd) genuine++
    }
    return { text, invalid: Math.max(1, replaced - genuine) }
  }
}

/** The text of bytes, invalid sequences replaced (for error bodies, which are only shown). */
export function decodeLenient(bytes: Uint8Array): string {
  return lenient.decode(bytes)
}

/**
 * A response body with invalid UTF-8: `HTTP_ENCODING` when the client is strict about it (`invalidUtf8: 'error'`),
 * else passed to `onInvalidUtf8`, or else a warning event for the run summary.
 */
export function reportInvalidText(
  client: Pick<HttpClientOptions, 'invalidUtf8' | 'onInvalidUtf8' | 'emit'>,
  method: string,
  url: string,
  invalid: number,
  resource: string | undefined,
): void {
  if (client.invalidUtf8 === 'error') throw invalidTextError(method, url, invalid)
  if (client.onInvalidUtf8) client.onInvalidUtf8({ url, replaced: invalid })
  else {
    client.emit?.({
      type: 'warning',
      resource,
      message: `${url}: ${invalid} character${invalid === 1 ? ' was' : 's were'} not valid UTF-8 and became U+FFFD`,
    })
  }
}
