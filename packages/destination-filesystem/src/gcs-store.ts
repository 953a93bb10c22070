import { createSign } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { SluiceError } from '@sluice/core/destination'
import {
  assertSafeKey,
  bodyBytes,
  DEFAULT_MULTIPART_THRESHOLD,
  DEFAULT_PART_SIZE,
  type FileBody,
  type FileStore,
} from './filesystem-store.ts'

/** A service account's key (the JSON file Google Cloud hands out, or dlt's `project_id`, `private_key`, `client_email`). Secret. */
export interface GcsServiceAccount {
  clientEmail: string
  privateKey: string
  projectId?: string
  /** Where the signed assertion is exchanged for an access token. Default `https://oauth2.googleapis.com/token`. */
  tokenUri?: string
}

/** Options of {@link gcsStore}. */
export interface GcsStoreOptions {
  bucket: string
  /** Object name prefix inside the bucket (no leading or trailing `/` needed). Default `''`. */
  prefix?: string
  /**
   * The service account to sign in with. Default: the key file `keyFile` names, else the one
   * `GOOGLE_APPLICATION_CREDENTIALS` names, else the client library's default credentials (e.g. on Google Cloud).
   */
  serviceAccount?: GcsServiceAccount
  /** A service-account key file (JSON). */
  keyFile?: string
  /** The JSON API's base URL (`{apiEndpoint}/storage/v1`). Default `https://storage.googleapis.com`. */
  apiEndpoint?: string
  /** Files larger than this (bytes) go up as a resumable upload in `partSize` chunks. Default 16 MiB. */
  multipartThreshold?: number
  /** Bytes per chunk of a resumable upload (rounded down to a multiple of 256 KiB). Default 8 MiB. */
  partSize?: number
}

type StorageModule = typeof import('@google-cloud/storage')
type Bucket = import('@google-cloud/storage').Bucket
type GcsFile = import('@google-cloud/storage').File

let storageModule: Promise<StorageModule> | undefined

async function loadStorage(): Promise<StorageModule> {
  storageModule ??= import('@google-cloud/storage').catch((error: unknown) => {
    storageModule = undefined
    throw new SluiceError('DEPENDENCY_MISSING', 'gs:// bucket URLs need the package @google-cloud/storage', {
      cause: error,
      hint: 'install it with `npm install @google-cloud/storage` (or use GCS through its S3 interoperability: HMAC keys as credentials.aws_access_key_id / aws_secret_access_key)',
    })
  })
  return storageModule
}

const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token'
const SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write'
const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url')

/** Exchanges a signed JWT for an access token at the key's token URI (RFC 7523, what Google's libraries do). */
async function fetchToken(
  account: GcsServiceAccount,
): Promise<{ access_token: string; expiry_date: number }> {
  const now = Math.floor(Date.now() / 1000)
  const aud = account.tokenUri ?? DEFAULT_TOKEN_URI
  const unsigned = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${base64url(
    JSON.stringify({ iss: account.clientEmail, scope: SCOPE, aud, iat: now, exp: now + 3600 }),
  )}`
  let signature: string
  try {
    signature = createSign('RSA-SHA256').update(unsigned).sign(account.privateKey, 'base64url')
  } catch {
    // the crypto error may quote the key: leave it out
    throw new SluiceError('CONFIG_INVALID', 'the GCS private key cannot sign (not a PEM private key)', {
      cause: new Error('invalid private key'),
      hint: 'set DESTINATION__FILESYSTEM__CREDENTIALS__PRIVATE_KEY to the private_key of the service-account JSON (with its BEGIN/END lines and newlines)',
    })
  }
  const response = await fetch(aud, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: `${unsigned}.${signature}`,
    }),
  }).catch((cause: unknown) => {
    throw new SluiceError('FILESYSTEM_GCS', `[filesystem] could not reach the token endpoint ${aud}`, {
      cause,
      transient: true,
      hint: 'check the network, or token_uri in the service-account key',
    })
  })
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string
    expires_in?: number
    error?: string
    error_description?: string
  }
  if (!response.ok || !body.access_token) {
    throw new SluiceError(
      'FILESYSTEM_GCS',
      `[filesystem] the service account ${account.clientEmail} was refused a token (${response.status}${typeof body.error === 'string' ? ` ${body.error}` : ''})`,
      {
        transient: response.status >= 500,
        hint: 'check credentials.client_email and credentials.private_key (DESTINATION__FILESYSTEM__CREDENTIALS__PRIVATE_KEY); the key may be deleted or disabled',
      },
    )
  }
  return { access_token: body.access_token, expiry_date: Date.now() + (body.expires_in ?? 3600) * 1000 }
}

/** Reads a service-account key file; `undefined` for other kinds of credential files (left to the library). */
async function keyFileAccount(path: string): Promise<GcsServiceAccount | undefined> {
  let json: Record<string, unknown>
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch (cause) {
    throw new SluiceError('CONFIG_INVALID', `the GCS key file ${path} cannot be read as JSON`, {
      cause,
      hint: 'check credentials.key_file or GOOGLE_APPLICATION_CREDENTIALS',
    })
  }
  if (json['type'] !== 'service_account') return undefined
  return {
    clientEmail: String(json['client_email']),
    privateKey: String(json['private_key']),
    ...(json['project_id'] ? { projectId: String(json['project_id']) } : {}),
    ...(json['token_uri'] ? { tokenUri: String(json['token_uri']) } : {}),
  }
}

/**
 * An auth client of the client library's own google-auth-library whose tokens come from {@link fetchToken}, so
 * the key's `token_uri` is honoured (the library's JWT client always asks Google's endpoint).
 */
function authClientFor(account: GcsServiceAccount): unknown {
  const require = createRequire(createRequire(import.meta.url).resolve('@google-cloud/storage'))
  const { OAuth2Client } = require('google-auth-library') as {
    OAuth2Client: new () => { refreshHandler?: () => Promise<{ access_token: string; expiry_date: number }> }
  }
  const client = new OAuth2Client()
  client.refreshHandler = () => fetchToken(account)
  return client
}

/**
 * A {@link FileStore} over a Google Cloud Storage bucket through the JSON API and `@google-cloud/storage`
 * (imported lazily). Small files go up in one multipart request, files over `multipartThreshold` as a
 * resumable upload in chunks; an object appears only when its upload finished, so readers never see a part.
 */
export function gcsStore(options: GcsStoreOptions): FileStore {
  const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '')
  const full = (key: string): string => {
    assertSafeKey(key)
    return prefix ? `${prefix}/${key}` : key
  }
  const rootUrl = `gs://${options.bucket}${prefix ? `/${prefix}` : ''}`
  const threshold = options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD
  const chunkSize = Math.max(1, Math.floor((options.partSize ?? DEFAULT_PART_SIZE) / 262144)) * 262144
  let bucket: Promise<Bucket> | undefined
  const connect = (): Promise<Bucket> => {
    bucket ??= (async () => {
      const { Storage } = await loadStorage()
      const keyFile = options.keyFile ?? process.env['GOOGLE_APPLICATION_CREDENTIALS']
      const account = options.serviceAccount ?? (keyFile ? await keyFileAccount(keyFile) : undefined)
      const storage = new Storage({
        ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint.replace(/\/+$/, '') } : {}),
        ...(account
          ? {
              authClient: authClientFor(account) as never,
              useAuthWithCustomEndpoint: true,
              ...(account.projectId ? { projectId: account.projectId } : {}),
            }
          : keyFile
            ? { keyFilename: keyFile }
            : {}),
        retryOptions: { autoRetry: true, maxRetries: 3 },
      })
      return storage.bucket(options.bucket)
    })()
    bucket.catch(() => {
      bucket = undefined
    })
    return bucket
  }
  const fail = (error: unknown, what: string): SluiceError => gcsError(error, what, rootUrl)
  /**
   * Opens a resumable upload session first: the library's upload path skips authentication at a custom
   * `apiEndpoint`, creating the session URI does not (its chunks need none: the session is the credential).
   */
  const resumable = async (file: GcsFile) => {
    const [uri] = await file.createResumableUpload()
    return { resumable: true, uri, chunkSize }
  }

  return {
    rootUrl,
    url: (key) => `gs://${options.bucket}/${full(key)}`,
    async close() {
      bucket = undefined
    },
    async put(key, body: FileBody) {
      const b = await connect()
      const bytes = await bodyBytes(body)
      try {
        const file = b.file(full(key))
        const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        if (bytes.byteLength > threshold) await file.save(data, await resumable(file))
        else await file.save(data, { resumable: false })
      } catch (error) {
        throw fail(error, `could not write ${key}`)
      }
    },
    async putFile(key, localPath) {
      const b = await connect()
      const { size } = await stat(localPath)
      try {
        const file = b.file(full(key))
        await b.upload(localPath, {
          destination: file,
          ...(size > threshold ? await resumable(file) : { resumable: false }),
        })
      } catch (error) {
        throw fail(error, `could not upload ${key}`)
      }
    },
    async get(key) {
      const b = await connect()
      try {
        const [bytes] = await b.file(full(key)).download()
        return new Uint8Array(bytes)
      } catch (error) {
        if ((error as { code?: number }).code === 404 && !/bucket/i.test(String((error as Error).message)))
          return undefined
        throw fail(error, `could not read ${key}`)
      }
    },
    async list(keyPrefix) {
      const b = await connect()
      const strip = prefix ? prefix.length + 1 : 0
      try {
        const [files] = await b.getFiles({
          prefix: prefix ? `${prefix}/${keyPrefix}` : keyPrefix,
          autoPaginate: true,
        })
        return files.map((f) => f.name.slice(strip)).sort()
      } catch (error) {
        throw fail(error, `could not list ${keyPrefix || '/'}`)
      }
    },
    async delete(keys) {
      if (keys.length === 0) return
      const b = await connect()
      try {
        for (let i = 0; i < keys.length; i += 16) {
          await Promise.all(
            keys.slice(i, i + 16).map((k) => b.file(full(k)).delete({ ignoreNotFound: true })),
          )
        }
      } catch (error) {
        throw fail(error, `could not delete ${keys.length} file(s)`)
      }
    },
  }
}

function gcsError(error: unknown, what: string, where: string): SluiceError {
  if (error instanceof SluiceError) return error
  const e = error as { code?: number | string; message?: string; errors?: { reason?: string }[] }
  const status = typeof e.code === 'number' ? e.code : undefined
  const name = e.errors?.[0]?.reason ?? (typeof e.code === 'string' ? e.code : 'Error')
  const transient =
    (status !== undefined && (status >= 500 || status === 429)) ||
    ['ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(name)
  let hint: string | undefined
  if (status === 404) hint = 'create the bucket first or fix the bucket name in bucket_url'
  else if (status === 401 || status === 403)
    hint =
      'check credentials.client_email / private_key (DESTINATION__FILESYSTEM__CREDENTIALS__PRIVATE_KEY) and that the service account may read, write and delete objects in the bucket'
  else if (name === 'ECONNREFUSED' || name === 'ENOTFOUND') hint = 'is the GCS endpoint reachable?'
  // the library's error keeps the request and its Authorization header: pass on only the message
  const cause = Object.assign(new Error(String(e.message ?? error)), { name, code: e.code })
  return new SluiceError(
    'FILESYSTEM_GCS',
    `[filesystem] ${what} in ${where} (${name}${status ? ` ${status}` : ''})`,
    { cause, transient, hint },
  )
}
