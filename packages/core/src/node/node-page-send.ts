import { kMaxLength } from 'node:buffer'
import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import {
  brotliDecompressSync,
  constants,
  gunzipSync,
  inflateRawSync,
  inflateSync,
  type ZlibOptions,
} from 'node:zlib'
import { BodyBytes, BodyTooLargeError, ERROR_BODY_BYTES } from '../http/http-body.ts'
import { isRedirect } from '../http/http-exchange.ts'
import type { RemoteRequest } from '../http/http-types.ts'
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

/**
 * A response's headers as `[name, value]` pairs, as `fetch` gives them: names in lower case, each `set-cookie` a
 * pair of its own, other repeated headers joined with `, ` (node:http drops repeats of some, so the raw ones).
 */
function headerPairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = []
  const at = new Map<string, number>()
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    const value = raw[i + 1]!
    const seen = name === 'set-cookie' ? undefined : at.get(name)
    if (seen === undefined) {
      at.set(name, out.length)
      out.push([name, value])
    } else out[seen]![1] += `, ${value}`
  }
  return out
}

/** A request's headers for node:http: repeated names joined with `, `, as `fetch` sends them. */
function requestHeaders(pairs: readonly [string, string][]): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  const names = new Map<string, string>()
  for (const [name, value] of pairs) {
    const key = name.toLowerCase()
    const first = names.get(key)
    if (first === undefined) {
      names.set(key, name)
      out[name] = value
    } else out[first] += `, ${value}`
  }
  return out
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
 * Reads a response's body up to `limit` bytes (`truncate`: keep the start quietly); the rest is not downloaded.
 * A body of several chunks is joined into a buffer from `buffers` when given (with `reused` set).
 */
function readBody(
  res: IncomingMessage,
  limit: number,
  options: { truncate: boolean; compressed: boolean },
  buffers?: BodyBuffers,
): Promise<{ bytes: Buffer; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const bytes = new BodyBytes(limit, options)
    const finish = (): void => {
      const reused = buffers !== undefined && bytes.parts > 1 && bytes.length >= REUSE_FROM
      const out = reused ? bytes.into(buffers.take(bytes.length)) : bytes.bytes()
      resolve({ bytes: Buffer.from(out.buffer, out.byteOffset, out.byteLength), reused })
    }
    res.on('data', (chunk: Buffer) => {
      let more: boolean
      try {
        more = bytes.add(chunk)
      } catch (error) {
        res.destroy()
        reject(error)
        return
      }
      if (!more) {
        res.destroy()
        finish()
      }
    })
    res.once('end', finish)
    res.on('error', reject)
  })
}

/** Sends `req` and resolves with the response once its headers are in; rejects for network errors. */
function open(
  url: URL,
  req: RemoteRequest,
  headers: Record<string, string>,
  agents: Agents,
): { response: Promise<IncomingMessage>; request?: ClientRequest } {
  const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined
  if (!send) return { response: Promise.reject(new TypeError(`unsupported URL scheme ${url.protocol}`)) }
  // as fetch: node:http would turn userinfo into an Authorization header of its own
  if (url.username || url.password)
    return { response: Promise.reject(new TypeError('a request URL must not include credentials')) }
  let request: ClientRequest | undefined
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    const agent = url.protocol === 'https:' ? agents.https : agents.http
    request = send(url, { method: req.method, headers, agent }, resolve)
    request.on('error', reject)
    request.end(req.body)
  })
  return { response, ...(request ? { request } : {}) }
}

interface Agents {
  http: HttpAgent
  https: HttpsAgent
}

/**
 * A {@link PageSend} for page workers on Node.js: node:http and node:https with keep-alive agents, which cost less
 * CPU per response than `fetch` and nothing extra to load (measured in apps/bench/README.md). It
 * decodes gzip, deflate and br bodies as `fetch` does, follows no redirect (the HTTP client does, hop by hop) and
 * reads at most `request.maxBytes` on the wire and decoded. Once `signal` aborts, it rejects with its reason and
 * stops the download.
 */
export function nodePageSend(): PageSend {
  let agents: Agents | undefined
  const buffers = new BodyBuffers()
  return async (req, signal) => {
    signal.throwIfAborted()
    agents ??= { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) }
    const headers = requestHeaders(req.headers)
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'accept-encoding'))
      headers['accept-encoding'] = ACCEPT_ENCODING
    const { response, request } = open(new URL(req.url), req, headers, agents)
    let res: IncomingMessage | undefined
    const stop = (): void => {
      request?.destroy(signal.reason)
      res?.destroy(signal.reason)
    }
    signal.addEventListener('abort', stop, { once: true })
    try {
      res = await response
      const status = res.statusCode ?? 0
      const answer = { status, headers: headerPairs(res.rawHeaders) }
      if (isRedirect(status, res.headers.location)) {
        res.destroy()
        return { ...answer, body: new Uint8Array(0) }
      }
      const ok = status >= 200 && status < 300
      const limit = ok ? (req.maxBytes ?? Number.POSITIVE_INFINITY) : ERROR_BODY_BYTES
      const coded = answer.headers.find(([name]) => name === 'content-encoding')?.[1]
      const options = { truncate: !ok, compressed: coded !== undefined }
      const { bytes: raw, reused } = await readBody(res, limit, options, ok ? buffers : undefined)
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
    } catch (error) {
      throw signal.aborted ? signal.reason : error
    } finally {
      signal.removeEventListener('abort', stop)
    }
  }
}
