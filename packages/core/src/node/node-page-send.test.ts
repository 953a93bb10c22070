import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createSecureServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BodyTooLargeError, ERROR_BODY_BYTES } from '../http/http-body.ts'
import { fetchFailure, fetchSend } from '../page-workers/page-send.ts'
import { nodePageSend } from './node-page-send.ts'

// The page workers' sender on Node.js (node:http) must answer like `fetch` (the sender Web Workers use): the same status,
// headers and decoded bytes, redirects handed back (the HTTP client follows them), network errors rejected.
const BODY = JSON.stringify({ entries: [{ id: 1, text: 'Grüße – ok' }] })
const ENCODE: Record<string, (b: Buffer) => Buffer> = {
  gzip: gzipSync,
  br: brotliCompressSync,
  deflate: deflateSync,
  'raw-deflate': deflateRawSync,
}

// a throwaway self-signed certificate for 127.0.0.1 (test only): no client trusts it
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg4hHhWdZaPV1w2n0Q
1Q/AZW+3ZosK1NzWK6cTO+V88lihRANCAASYmM4MXXzGwIWyDUO24meYUswww6Ki
VdgKlWTT3gEoPCPHXzWZZ9+Vyg7IuFvnyCWWHInF4kRyVNieYSGcm6jU
-----END PRIVATE KEY-----`
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUbaMW+gm0hYU1cnH9oAVZ1+l+aAUwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTIwNjE1NDA1MFoYDzIxMjYxMTEy
MTU0MDUwWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASYmM4MXXzGwIWyDUO24meYUswww6KiVdgKlWTT3gEoPCPHXzWZZ9+V
yg7IuFvnyCWWHInF4kRyVNieYSGcm6jUo2QwYjAdBgNVHQ4EFgQUmp37++odfi0J
rFAHoRVgGt8PFiQwHwYDVR0jBBgwFoAUmp37++odfi0JrFAHoRVgGt8PFiQwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IQDePU3AJQicbDqw4sLsB8ahELz4XzJZHhh2yQs6KF3f1QIgbmskwq+e5cRU0lIS
IwaR4jwzC9KdzuFy6JKw36z2Das=
-----END CERTIFICATE-----`

let server: Server
let trickling = false
const until = async (ok: () => boolean): Promise<void> => {
  while (!ok()) await new Promise((resolve) => setTimeout(resolve, 5))
}
let base: string
const seen: IncomingMessage['headers'][] = []

function handle(req: IncomingMessage, res: ServerResponse): void {
  seen.push(req.headers)
  const url = new URL(req.url ?? '/', 'http://x')
  const coding = url.searchParams.get('coding')
  if (url.pathname === '/moved') {
    res.writeHead(302, { location: '/plain' }).end()
  } else if (url.pathname === '/cookies') {
    res.writeHead(200, [
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['x-n', '1'],
      ['X-N', '2'],
    ])
    res.end('{}')
  } else if (url.pathname === '/missing') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no such page')
  } else if (coding) {
    const body = coding === 'unknown' ? Buffer.from(BODY) : ENCODE[coding]!(Buffer.from(BODY))
    const name = coding === 'raw-deflate' ? 'deflate' : coding
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': name }).end(body)
  } else if (url.pathname === '/big') {
    const fill = url.searchParams.get('fill') ?? ' '
    res.writeHead(url.searchParams.has('error') ? 500 : 200).end(Buffer.alloc(200_000, fill))
  } else if (url.pathname === '/bomb') {
    res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(5_000_000, 0x20)))
  } else if (url.pathname === '/cut') {
    // promises more than it sends, then drops the connection
    res.writeHead(200, { 'content-length': '200000' }).write(Buffer.alloc(100_000, ' '), () => res.destroy())
  } else if (url.pathname === '/trickle') {
    res.writeHead(200).write(Buffer.alloc(100_000, ' '))
    trickling = true
  } else if (url.pathname === '/slow') {
    setTimeout(() => res.writeHead(200).end('{}'), 5_000).unref()
  } else {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(BODY)
  }
}

beforeAll(async () => {
  server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const get = (path: string, headers: [string, string][] = [], maxBytes?: number) => ({
  url: base + path,
  method: 'GET',
  headers,
  ...(maxBytes !== undefined ? { maxBytes } : {}),
})
const text = (r: { body: Uint8Array }): string => new TextDecoder().decode(r.body)
const never = new AbortController().signal
const send = nodePageSend()

describe('nodePageSend', () => {
  it('reuses the buffer of a body the worker is done with, never one still in use', async () => {
    // booleans, not the buffers: a failed comparison of two 1 MiB buffers takes vitest minutes to print
    const filled = (r: { body: Uint8Array }, c: string): boolean =>
      r.body.length === 200_000 && r.body.every((x) => x === c.charCodeAt(0))
    const own = nodePageSend()
    const a = await own(get('/big?fill=a'), never)
    const b = await own(get('/big?fill=b'), never)
    expect([filled(a, 'a'), filled(b, 'b')]).toEqual([true, true])
    expect(b.body.buffer === a.body.buffer).toBe(false)
    a.done?.()
    const c = await own(get('/big?fill=c'), never)
    expect(c.body.buffer === a.body.buffer).toBe(true)
    expect([filled(c, 'c'), filled(b, 'b')]).toEqual([true, true])
    // a body in one chunk is node:http's own buffer: nothing to give back
    expect((await own(get('/plain'), never)).done).toBeUndefined()
  })

  it('answers like fetch: status, headers and the body', async () => {
    const [a, b] = await Promise.all([send(get('/plain'), never), fetchSend(get('/plain'), never)])
    expect(a.status).toBe(200)
    expect(text(a)).toBe(BODY)
    expect(text(a)).toBe(text(b))
    expect(new Map(a.headers).get('content-type')).toBe('application/json; charset=utf-8')
  })

  it.each(['gzip', 'br', 'deflate', 'raw-deflate'])(
    'asks for compressed bodies and decodes %s',
    async (coding) => {
      seen.length = 0
      const r = await send(get(`/body?coding=${coding}`), never)
      expect(text(r)).toBe(BODY)
      expect(seen[0]?.['accept-encoding']).toBe('gzip, deflate, br')
    },
  )

  it('keeps an accept-encoding the request has, and a body in an unknown coding as it came', async () => {
    seen.length = 0
    const r = await send(get('/body?coding=unknown', [['Accept-Encoding', 'identity']]), never)
    expect(seen[0]?.['accept-encoding']).toBe('identity')
    expect(text(r)).toBe(BODY)
  })

  it('hands a redirect back, as fetch with redirect "manual" does', async () => {
    for (const sender of [send, fetchSend]) {
      seen.length = 0
      const r = await sender(get('/moved'), never)
      expect(r.status).toBe(302)
      expect(new Map(r.headers).get('location')).toBe('/plain')
      expect(r.body.length).toBe(0)
      expect(seen).toHaveLength(1)
    }
  })

  it('gives the text of an error status, and repeated headers as fetch does', async () => {
    const missing = await send(get('/missing'), never)
    expect(missing.status).toBe(404)
    expect(text(missing)).toBe('no such page')
    const cookies = await send(get('/cookies'), never)
    expect(cookies.headers.filter(([n]) => n === 'set-cookie').map(([, v]) => v)).toEqual(['a=1', 'b=2'])
    const fetched = await fetchSend(get('/cookies'), never)
    expect(new Map(cookies.headers).get('x-n')).toBe('1, 2')
    expect(new Map(fetched.headers).get('x-n')).toBe('1, 2')
  })

  it('sends repeated request headers joined, and a body with its length', async () => {
    seen.length = 0
    const headers: [string, string][] = [
      ['X-Tag', 'a'],
      ['x-tag', 'b'],
    ]
    await send({ url: `${base}/plain`, method: 'POST', headers, body: 'Grüße' }, never)
    await fetchSend({ url: `${base}/plain`, method: 'POST', headers, body: 'Grüße' }, never)
    expect(seen.map((h) => [h['x-tag'], h['content-length']])).toEqual([
      ['a, b', '7'],
      ['a, b', '7'],
    ])
  })

  it('reads at most maxBytes of a 2xx body, on the wire and decoded, and the start of an error status', async () => {
    for (const sender of [send, fetchSend]) {
      await expect(sender(get('/big', [], 100_000), never)).rejects.toBeInstanceOf(BodyTooLargeError)
      const bomb = await sender(get('/bomb', [], 1_000_000), never).catch((e: unknown) => e)
      expect(bomb).toMatchObject({ limit: 1_000_000, compressed: false })
      expect((await sender(get('/big', [], 200_000), never)).body.length).toBe(200_000)
      const error = await sender(get('/big?error', [], 100_000), never)
      expect([error.status, error.body.length]).toEqual([500, ERROR_BODY_BYTES])
    }
  })

  it('rejects for a network error, and once the signal aborts', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    await expect(
      send({ url: `http://127.0.0.1:${port}/`, method: 'GET', headers: [] }, never),
    ).rejects.toThrow(/ECONNREFUSED/)
    // a body cut short is an error, never a shorter page
    for (const sender of [send, fetchSend]) await expect(sender(get('/cut'), never)).rejects.toThrow()
    const ctrl = new AbortController()
    const pending = send(get('/slow'), ctrl.signal)
    const reason = new Error('stopped')
    ctrl.abort(reason)
    await expect(pending).rejects.toBe(reason)
    // aborted while the body arrives: the download stops with the same reason
    const reading = new AbortController()
    const body = send(get('/trickle'), reading.signal)
    await until(() => trickling)
    reading.abort(reason)
    await expect(body).rejects.toBe(reason)
    await expect(send(get('/plain'), reading.signal)).rejects.toBe(reason)
  })

  it('refuses a URL with credentials and a scheme other than http(s), as fetch does', async () => {
    seen.length = 0
    for (const sender of [send, fetchSend]) {
      const userinfo = { url: base.replace('//', '//me:pw@') + '/plain', method: 'GET', headers: [] }
      await expect(sender(userinfo, never)).rejects.toThrow(TypeError)
      await expect(sender({ ...userinfo, url: 'ftp://127.0.0.1/x' }, never)).rejects.toThrow()
    }
    expect(seen).toHaveLength(0)
  })

  it('speaks TLS to https and refuses a certificate it cannot verify, as fetch does', async () => {
    const tls = createSecureServer({ key: TEST_KEY, cert: TEST_CERT }, handle)
    let handshakes = 0
    tls.on('secureConnection', () => handshakes++)
    tls.on('tlsClientError', () => handshakes++)
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve))
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/plain`
    try {
      for (const sender of [send, fetchSend]) {
        const error = await sender({ url, method: 'GET', headers: [] }, never).catch((e: unknown) => e)
        // what a page worker reports (fetchFailure): the reason, from the cause where fetch puts it
        expect(fetchFailure(1, error).message).toMatch(/self-signed certificate/)
      }
      // the server saw both handshakes fail (reported on its side a moment later)
      await until(() => handshakes >= 2)
      expect(handshakes).toBe(2)
    } finally {
      tls.closeAllConnections()
      await new Promise((resolve) => tls.close(resolve))
    }
  })
})
