import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib'
import { Agent, type Dispatcher, interceptors, request } from 'undici'
import type { PageSend } from '../page-workers/page-worker.ts'

/** Codings a body may come in and how to decode each (`fetch`'s set: deflate may come without its zlib header). */
const DECODE: Record<string, (bytes: Buffer) => Buffer> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  br: brotliDecompressSync,
  deflate: (bytes) => ((bytes[0]! & 0x0f) === 8 ? inflateSync(bytes) : inflateRawSync(bytes)),
}

/** What this sends as `accept-encoding` unless the request has one (as `fetch` does). */
const ACCEPT_ENCODING = 'gzip, deflate, br'

/** The body decoded per `content-encoding` (last coding first), or as it came when a coding is unknown. */
function decode(bytes: Buffer, contentEncoding: string | undefined): Buffer {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
  if (codings.some((c) => DECODE[c] === undefined)) return bytes
  return codings.reduceRight((body, c) => DECODE[c]!(body), bytes)
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

/**
 * A {@link PageSend} for page workers on Node.js: undici's `request`, which costs less CPU per response than
 * `fetch` (measured in apps/bench/README.md). Like `fetch`, it follows up to 20
 * redirects (without credentials across origins) and decodes gzip, deflate and br bodies.
 */
export function undiciPageSend(): PageSend {
  let dispatcher: Dispatcher | undefined
  return async (req, signal) => {
    dispatcher ??= new Agent().compose(interceptors.redirect({ maxRedirections: 20 }))
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
    const encoding = res.headers['content-encoding']
    const coded = typeof encoding === 'string' ? encoding : encoding?.join(',')
    const text = coded
      ? decode(Buffer.from(await res.body.arrayBuffer()), coded).toString('utf8')
      : await res.body.text()
    return { status: res.statusCode, headers: headerPairs(res.headers), text }
  }
}
