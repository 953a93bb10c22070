// A small fake of the Google Cloud Storage JSON API on 127.0.0.1, for tests (no GCS emulator can be installed from
// npm): the OAuth token exchange of a service account (JWT bearer, signature checked), uploads (media, multipart,
// resumable in one or several chunks), list with prefix and pages, get (metadata and media), delete. Objects live
// in memory. Exported as `@sluice/destination-filesystem/test-servers`.
import { createHash, generateKeyPairSync, randomUUID, verify } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

/** A service-account key the fake accepts (its `token_uri` points at the fake). Test-only. */
export interface FakeServiceAccount {
  type: 'service_account'
  project_id: string
  client_email: string
  private_key: string
  token_uri: string
}

/** A request the fake answered: method, path and the upload type or query, for assertions. */
export interface FakeGcsRequest {
  method: string
  path: string
  uploadType?: string
  /** Bytes in the request body. */
  bytes: number
}

/** A running fake. */
export interface GcsFake {
  /** The JSON API's base URL (the client library's `apiEndpoint`). */
  endpoint: string
  /** A service-account key for this fake (a fresh RSA key; the fake checks signatures against it). */
  serviceAccount: FakeServiceAccount
  /** Every request, oldest first. */
  requests: FakeGcsRequest[]
  /** Object names of a bucket, sorted. */
  objects(bucket: string): string[]
  createBucket(name: string): void
  stop(): Promise<void>
}

interface StoredObject {
  data: Buffer
  generation: number
  updated: string
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

/** CRC32C as GCS reports it: big-endian, base64. */
function crc32c(data: Buffer): string {
  let crc = 0xffffffff
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8)
  const out = Buffer.alloc(4)
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0)
  return out.toString('base64')
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

/** Splits a multipart/related body into its parts' bodies. */
function multipartParts(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1]
  if (!boundary) return []
  const marker = Buffer.from(`--${boundary}`)
  const parts: Buffer[] = []
  let at = body.indexOf(marker)
  while (at >= 0) {
    const next = body.indexOf(marker, at + marker.length)
    if (next < 0) break
    const part = body.subarray(at + marker.length, next)
    const headerEnd = part.indexOf('\r\n\r\n')
    if (headerEnd >= 0) parts.push(part.subarray(headerEnd + 4, part.length - 2))
    at = next
  }
  return parts
}

/** Starts the fake with the given buckets; `pageSize` limits list pages (default 1000, as GCS). */
export async function startGcsFake(
  options: { buckets?: string[]; pageSize?: number } = {},
): Promise<GcsFake> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const buckets = new Map<string, Map<string, StoredObject>>()
  for (const b of options.buckets ?? []) buckets.set(b, new Map())
  const tokens = new Set<string>()
  const resumable = new Map<string, { bucket: string; name: string; chunks: Buffer[]; size: number }>()
  const requests: FakeGcsRequest[] = []
  let generation = 1
  let endpoint = ''
  const email = 'sluice-test@sluice-test.iam.gserviceaccount.com'

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers })
    res.end(JSON.stringify(body))
  }
  const error = (res: ServerResponse, status: number, reason: string, message: string) =>
    json(res, status, { error: { code: status, message, errors: [{ reason, message, domain: 'global' }] } })
  const meta = (bucket: string, name: string, o: StoredObject) => ({
    kind: 'storage#object',
    id: `${bucket}/${name}/${o.generation}`,
    name,
    bucket,
    generation: String(o.generation),
    metageneration: '1',
    size: String(o.data.length),
    md5Hash: createHash('md5').update(o.data).digest('base64'),
    crc32c: crc32c(o.data),
    contentType: 'application/octet-stream',
    updated: o.updated,
    timeCreated: o.updated,
  })
  const store = (res: ServerResponse, bucket: string, name: string, data: Buffer) => {
    const o = { data, generation: generation++, updated: new Date().toISOString() }
    buckets.get(bucket)?.set(name, o)
    json(res, 200, meta(bucket, name, o))
  }

  /** Checks the token request's JWT: signed by the account's key, for this token URI. */
  const exchange = (body: Buffer, res: ServerResponse) => {
    const form = new URLSearchParams(body.toString())
    const [head, claims, signature] = (form.get('assertion') ?? '').split('.')
    const ok =
      form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
      head &&
      claims &&
      signature &&
      verify('RSA-SHA256', Buffer.from(`${head}.${claims}`), publicKey, Buffer.from(signature, 'base64url'))
    const c = ok ? JSON.parse(Buffer.from(claims as string, 'base64url').toString()) : {}
    if (!ok || c.iss !== email || c.aud !== `${endpoint}/token`) {
      return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' })
    }
    const token = `ya29.fake-${randomUUID()}`
    tokens.add(token)
    json(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' })
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', endpoint)
      const uploadType = url.searchParams.get('uploadType') ?? undefined
      const body = await readBody(req)
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        ...(uploadType ? { uploadType } : {}),
        bytes: body.length,
      })
      if (url.pathname === '/token' && req.method === 'POST') return exchange(body, res)
      const isUpload = /^\/upload\/storage\/v1\/b\/[^/]+\/o$/.test(url.pathname)
      // as on GCS, the session URI (its upload_id) is the credential of a resumable upload's chunks
      if (isUpload && req.method === 'PUT' && uploadType === 'resumable') {
        const session = resumable.get(url.searchParams.get('upload_id') ?? '')
        if (!session) return error(res, 404, 'notFound', 'No such upload.')
        const range = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/.exec(
          String(req.headers['content-range'] ?? ''),
        )
        if (body.length > 0) {
          if (!range || Number(range[1]) !== session.size)
            return error(res, 400, 'badRequest', 'The Content-Range does not continue the upload.')
          session.chunks.push(body)
          session.size += body.length
        }
        const total = range?.[3]
        if (total !== undefined && total !== '*' && Number(total) === session.size) {
          resumable.delete(url.searchParams.get('upload_id') ?? '')
          return store(res, session.bucket, session.name, Buffer.concat(session.chunks))
        }
        res.writeHead(308, session.size > 0 ? { range: `bytes=0-${session.size - 1}` } : {})
        return res.end()
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
      if (!token || !tokens.has(token))
        return error(res, 401, 'required', 'Anonymous caller does not have access.')
      const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname)
      const object = /^\/storage\/v1\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(url.pathname)
      const bucketName = decodeURIComponent((upload ?? object)?.[1] ?? '')
      const objects = buckets.get(bucketName)
      if (!objects) return error(res, 404, 'notFound', 'The specified bucket does not exist.')
      if (upload && req.method === 'POST' && uploadType === 'media') {
        return store(res, bucketName, url.searchParams.get('name') ?? '', body)
      }
      if (upload && req.method === 'POST' && uploadType === 'multipart') {
        const [metadata, media] = multipartParts(body, req.headers['content-type'] ?? '')
        const name = url.searchParams.get('name') ?? JSON.parse(metadata?.toString() || '{}').name
        return store(res, bucketName, name, media ?? Buffer.alloc(0))
      }
      if (upload && req.method === 'POST' && uploadType === 'resumable') {
        const id = randomUUID()
        const name = url.searchParams.get('name') ?? JSON.parse(body.toString() || '{}').name
        resumable.set(id, { bucket: bucketName, name, chunks: [], size: 0 })
        const location = `${endpoint}/upload/storage/v1/b/${encodeURIComponent(bucketName)}/o?uploadType=resumable&upload_id=${id}`
        return json(res, 200, {}, { location })
      }
      if (object && req.method === 'GET' && object[2] === undefined) {
        const prefix = url.searchParams.get('prefix') ?? ''
        const max = Math.min(Number(url.searchParams.get('maxResults') ?? 1000), options.pageSize ?? 1000)
        const after = url.searchParams.get('pageToken') ?? ''
        const names = [...objects.keys()].filter((n) => n.startsWith(prefix) && n > after).sort()
        const page = names.slice(0, max)
        return json(res, 200, {
          kind: 'storage#objects',
          items: page.map((n) => meta(bucketName, n, objects.get(n) as StoredObject)),
          ...(names.length > max ? { nextPageToken: page[page.length - 1] } : {}),
        })
      }
      if (object?.[2] !== undefined) {
        const name = decodeURIComponent(object[2])
        const o = objects.get(name)
        if (req.method === 'DELETE') {
          if (!o) return error(res, 404, 'notFound', `No such object: ${bucketName}/${name}`)
          objects.delete(name)
          res.writeHead(204)
          return res.end()
        }
        if (req.method === 'GET') {
          if (!o) return error(res, 404, 'notFound', `No such object: ${bucketName}/${name}`)
          if (url.searchParams.get('alt') !== 'media') return json(res, 200, meta(bucketName, name, o))
          const m = meta(bucketName, name, o)
          res.writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-length': String(o.data.length),
            'x-goog-hash': `crc32c=${m.crc32c},md5=${m.md5Hash}`,
            'x-goog-generation': String(o.generation),
          })
          return res.end(o.data)
        }
      }
      error(res, 400, 'badRequest', `the fake does not know ${req.method} ${url.pathname}`)
    } catch (e) {
      error(res, 500, 'backendError', String(e))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  return {
    endpoint,
    serviceAccount: {
      type: 'service_account',
      project_id: 'sluice-test',
      client_email: email,
      private_key: pem,
      token_uri: `${endpoint}/token`,
    },
    requests,
    objects: (bucket) => [...(buckets.get(bucket)?.keys() ?? [])].sort(),
    createBucket: (name) => {
      if (!buckets.has(name)) buckets.set(name, new Map())
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
