import { kMaxLength } from 'node:buffer'
import {
  brotliDecompressSync,
  constants,
  gunzipSync,
  inflateRawSync,
  inflateSync,
  type ZlibOptions,
} from 'node:zlib'
import { Agent, type Dispatcher, request } from 'undici'
import { BodyBytes, BodyTooLargeError, ERROR_BODY_BYTES } from '../http/http-body.ts'
import { isRedirect } from '../http/http-exchange.ts'
import type { PageSend } from '../page-workers/page-send.ts'

type Decode = (bytes: Buffer, options: ZlibOptions & { finishFlush?: number }) => Buffer

/** Codings a body may come in and how to decode each (`fetch`'s set: deflate may come without its zlib header). */
const DECODE: Record<string, Decode> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  br: (bytes, o) =>
    brotliDecompressSync(bytes, {
      maxOutputLength: o.maxOutputLength,
      ...(o.finishFlush !== undefined ? { finishFlush: constants.BROTLI_OPERATION_FLUSH } : {}),
    }),
  deflate: (bytes, o) => ((bytes[0]! & 0x0f) === 8 ? inflateSync(bytes, o) : inflateRawSync(bytes, o)),
}

/** What this sends as `accept-encoding` unless the request has one (as `fetch` does). */
const ACCEPT_ENCODING = 'gzip, deflate, br'

/**
 * The body decoded per `content-encoding` (last coding first), or as it came when a coding is unknown; each step
 * stops at `limit` decoded bytes (`BodyTooLargeError`). `partial`: the body was cut off (an error status's start),
 * decode what is there.
 */
function decode(bytes: Buffer, contentEncoding: string | undefined, limit: number, partial: boolean): Buffer {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
  if (codings.some((c) => DECODE[c] === undefined)) return bytes
  const options = {
    maxOutputLength: Math.min(limit, kMaxLength),
    ...(partial ? { finishFlush: constants.Z_SYNC_FLUSH } : {}),
  }
  try {
    return codings.reduceRight((body, c) => DECODE[c]!(body, options), bytes)
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new BodyTooLargeError(limit, false)
    throw error
  }
}

/** undici's headers as `[name, value]` pairs: repeated headers one pair each for set-cookie, else joined. */
function headerPairs(headers: Record<string, string | string[] | undefined>): [string, string][] {
  const out: [string, string][] = []
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    if (Array.isArray(value)) {
      if (name === 'set-cookie') for (const v of value) out.push([name, v])
      else out.push([name, value.join(', ')])
    } else out.push([name, value])
  }
  return out
}

/** Stops downloading a body (undici reports the stop as an error on the body: nobody waits for that). */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined)
  body.destroy()
}

/** Buffers for bodies a page worker has read, sized in whole MiB so that later bodies fit them. */
class BodyBuffers {
  private readonly spare: ArrayBuffer[] = []

  /** A buffer of at least `size` bytes: a spare one, or a new one. */
  take(size: number): Uint8Array {
    const i = this.spare.findIndex((b) => b.byteLength >= size)
    if (i >= 0) return new Uint8Array(this.spare.splice(i, 1)[0]!)
    return new Uint8Array(Math.ceil(size / MIB) * MIB)
  }

  /** Keeps `buffer` for a later body (at most {@link SPARE_BODIES}). */
  give(buffer: ArrayBuffer): void {
    if (this.spare.length < SPARE_BODIES) this.spare.push(buffer)
  }
}

const MIB = 1024 * 1024
/** Bodies kept for reuse per sender: about as many as a worker has requests in flight. */
const SPARE_BODIES = 8
/** Bodies in more than one chunk from this size on are joined into a reused buffer. */
const REUSE_FROM = 64 * 1024

/**
 * Reads a body of undici's up to `limit` bytes (`truncate`: keep the start quietly); the rest is not downloaded.
 * A body of several chunks is joined into a buffer from `buffers` when given (with `reused` set).
 */
async function readBody(
  body: Dispatcher.ResponseData['body'],
  limit: number,
  options: { truncate: boolean; compressed: boolean },
  buffers?: BodyBuffers,
): Promise<{ bytes: Buffer; reused: boolean }> {
  const bytes = new BodyBytes(limit, options)
  const truncate = options.truncate
  let complete = false
  try {
    for await (const chunk of body) if (!bytes.add(chunk as Buffer)) break
    complete = true
  } finally {
    if (!complete || truncate) discard(body)
  }
  const reused = buffers !== undefined && bytes.parts > 1 && bytes.length >= REUSE_FROM
  const out = reused ? bytes.into(buffers.take(bytes.length)) : bytes.bytes()
  return { bytes: Buffer.from(out.buffer, out.byteOffset, out.byteLength), reused }
}

/**
 * A {@link PageSend} for page workers on Node.js: undici's `request`, which costs less CPU per response than
 * `fetch` (measured in apps/bench/README.md). It decodes gzip, deflate and br bodies as `fetch` does, follows no
 * redirect (the HTTP client does, hop by hop) and reads at most `request.maxBytes` on the wire and decoded.
 */
export function undiciPageSend(): PageSend {
  let dispatcher: Dispatcher | undefined
  const buffers = new BodyBuffers()
  return async (req, signal) => {
    dispatcher ??= new Agent()
    const headers = req.headers.some(([name]) => name.toLowerCase() === 'accept-encoding')
      ? req.headers
      : [...req.headers, ['accept-encoding', ACCEPT_ENCODING] as [string, string]]
    const res = await request(req.url, {
      method: req.method as Dispatcher.HttpMethod,
      headers: headers.flat(),
      signal,
      dispatcher,
      ...(req.body !== undefined ? { body: req.body } : {}),
    })
    const answer = { status: res.statusCode, headers: headerPairs(res.headers) }
    if (isRedirect(res.statusCode, [res.headers.location].flat()[0])) {
      discard(res.body)
      return { ...answer, body: new Uint8Array(0) }
    }
    const ok = res.statusCode >= 200 && res.statusCode < 300
    const limit = ok ? (req.maxBytes ?? Number.POSITIVE_INFINITY) : ERROR_BODY_BYTES
    const encoding = res.headers['content-encoding']
    const coded = typeof encoding === 'string' ? encoding : encoding?.join(',')
    const options = { truncate: !ok, compressed: coded !== undefined }
    const { bytes: raw, reused } = await readBody(res.body, limit, options, ok ? buffers : undefined)
    const giveBack = (): void => buffers.give(raw.buffer as ArrayBuffer)
    if (!coded) return { ...answer, body: raw, ...(reused ? { done: giveBack } : {}) }
    if (ok) {
      const body = decode(raw, coded, limit, false)
      if (reused && body.buffer !== raw.buffer) giveBack()
      return { ...answer, body }
    }
    // an error status: what can be decoded of its start, for the message
    try {
      return { ...answer, body: decode(raw, coded, 1024 * 1024, true).subarray(0, ERROR_BODY_BYTES) }
    } catch {
      return { ...answer, body: new Uint8Array(0) }
    }
  }
}
