import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { SluiceError } from '@sluice/core/destination'
import {
  assertSafeKey,
  bodyBytes,
  DEFAULT_MULTIPART_THRESHOLD,
  DEFAULT_PART_SIZE,
  DEFAULT_UPLOAD_CONCURRENCY,
  type FileBody,
  type FileStore,
} from './filesystem-store.ts'

/** Options of {@link s3Store}. */
export interface S3StoreOptions {
  bucket: string
  /** Key prefix inside the bucket (no leading or trailing `/` needed). Default `''`. */
  prefix?: string
  /** Default `us-east-1` (or the injected client's region). */
  region?: string
  /** S3-compatible endpoint (MinIO, R2, GCS interoperability, s3rver); enables path-style addressing. */
  endpointUrl?: string
  accessKeyId?: string
  secretAccessKey?: string
  sessionToken?: string
  /** Path-style URLs. Default: true when `endpointUrl` is set. */
  forcePathStyle?: boolean
  /** An `S3Client` from `@aws-sdk/client-s3` to use instead of creating one (not destroyed by `close`). */
  client?: unknown
  /** URL scheme of `url()`/`rootUrl`: `s3` (default) or `gs` (GCS through its S3 interoperability). */
  scheme?: 's3' | 'gs'
  /** Files larger than this (bytes) go up as a multipart upload. Default 16 MiB. */
  multipartThreshold?: number
  /** Bytes per part (S3 wants at least 5 MiB, except for the last part). Default 8 MiB. */
  partSize?: number
  /** Parts of one file uploaded at once. Default 4. */
  uploadConcurrency?: number
}

type S3Module = typeof import('@aws-sdk/client-s3')
type S3Client = import('@aws-sdk/client-s3').S3Client

let s3Module: Promise<S3Module> | undefined

async function loadS3(): Promise<S3Module> {
  s3Module ??= import('@aws-sdk/client-s3').catch((error: unknown) => {
    s3Module = undefined
    throw new SluiceError('DEPENDENCY_MISSING', 's3:// bucket URLs need the package @aws-sdk/client-s3', {
      cause: error,
      hint: 'install it with `npm install @aws-sdk/client-s3`',
    })
  })
  return s3Module
}

/**
 * A {@link FileStore} over an S3 bucket (AWS or an S3-compatible store through `endpointUrl`).
 * `@aws-sdk/client-s3` is imported lazily on first use. Credentials default to the AWS SDK's chain
 * (environment, profile, instance role) when not given. Files up to `multipartThreshold` go up in one PUT, larger
 * ones as a multipart upload (`partSize` parts, `uploadConcurrency` at a time); a multipart upload that fails is
 * aborted (AbortMultipartUpload), so no parts are left behind in the bucket.
 */
export function s3Store(options: S3StoreOptions): FileStore {
  const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '')
  const full = (key: string): string => {
    assertSafeKey(key)
    return prefix ? `${prefix}/${key}` : key
  }
  const scheme = options.scheme ?? 's3'
  const rootUrl = `${scheme}://${options.bucket}${prefix ? `/${prefix}` : ''}`
  let client: Promise<{ s3: S3Module; client: S3Client }> | undefined
  const connect = (): Promise<{ s3: S3Module; client: S3Client }> => {
    client ??= loadS3().then((s3) => {
      if (options.client) return { s3, client: options.client as S3Client }
      const credentials =
        options.accessKeyId && options.secretAccessKey
          ? {
              accessKeyId: options.accessKeyId,
              secretAccessKey: options.secretAccessKey,
              ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
            }
          : undefined
      return {
        s3,
        client: new s3.S3Client({
          region: options.region ?? 'us-east-1',
          ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
          forcePathStyle: options.forcePathStyle ?? options.endpointUrl !== undefined,
          ...(credentials ? { credentials } : {}),
          // S3-compatible stores often lack the newer flexible checksums
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }),
      }
    })
    return client
  }
  const fail = (error: unknown, what: string): SluiceError => s3Error(error, what, rootUrl)
  const threshold = options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD
  const partSize = options.partSize ?? DEFAULT_PART_SIZE
  const concurrency = options.uploadConcurrency ?? DEFAULT_UPLOAD_CONCURRENCY

  /** Uploads `size` bytes in parts of `partSize`, `concurrency` at a time; aborts the upload when a part fails. */
  const multipart = async (
    s3: S3Module,
    client: S3Client,
    Key: string,
    size: number,
    body: (start: number, end: number) => Uint8Array | ReturnType<typeof createReadStream>,
  ): Promise<void> => {
    const Bucket = options.bucket
    const { UploadId } = await client.send(new s3.CreateMultipartUploadCommand({ Bucket, Key }))
    const count = Math.ceil(size / partSize)
    const etags: string[] = new Array(count)
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++
        const start = i * partSize
        const end = Math.min(size, start + partSize)
        const out = await client.send(
          new s3.UploadPartCommand({
            Bucket,
            Key,
            UploadId,
            PartNumber: i + 1,
            Body: body(start, end),
            ContentLength: end - start,
          }),
        )
        etags[i] = out.ETag ?? ''
      }
    }
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
      await client.send(
        new s3.CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      )
    } catch (error) {
      // the parts cost storage until the upload is aborted; the first error is the one to report
      await client.send(new s3.AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => {})
      throw error
    }
  }

  return {
    rootUrl,
    url: (key) => `${scheme}://${options.bucket}/${full(key)}`,
    async close() {
      if (!client || options.client) return
      const c = client
      client = undefined
      ;(await c.catch(() => undefined))?.client.destroy()
    },
    async put(key, body: FileBody) {
      const { s3, client } = await connect()
      const bytes = await bodyBytes(body)
      if (bytes.byteLength > threshold) {
        const part = (start: number, end: number) => bytes.subarray(start, end)
        return multipart(s3, client, full(key), bytes.byteLength, part).catch((error: unknown) => {
          throw fail(error, `could not write ${key}`)
        })
      }
      try {
        await client.send(new s3.PutObjectCommand({ Bucket: options.bucket, Key: full(key), Body: bytes }))
      } catch (error) {
        throw fail(error, `could not write ${key}`)
      }
    },
    async putFile(key, localPath) {
      const { s3, client } = await connect()
      const { size } = await stat(localPath)
      if (size > threshold) {
        const part = (start: number, end: number) => createReadStream(localPath, { start, end: end - 1 })
        return multipart(s3, client, full(key), size, part).catch((error: unknown) => {
          throw fail(error, `could not upload ${key}`)
        })
      }
      try {
        await client.send(
          new s3.PutObjectCommand({
            Bucket: options.bucket,
            Key: full(key),
            Body: createReadStream(localPath),
            ContentLength: size,
          }),
        )
      } catch (error) {
        throw fail(error, `could not upload ${key}`)
      }
    },
    async get(key) {
      const { s3, client } = await connect()
      try {
        const out = await client.send(new s3.GetObjectCommand({ Bucket: options.bucket, Key: full(key) }))
        return out.Body ? await out.Body.transformToByteArray() : new Uint8Array()
      } catch (error) {
        const name = (error as { name?: string }).name
        if (name === 'NoSuchKey' || name === 'NotFound') return undefined
        throw fail(error, `could not read ${key}`)
      }
    },
    async list(keyPrefix) {
      const { s3, client } = await connect()
      const strip = prefix ? prefix.length + 1 : 0
      const keys: string[] = []
      let token: string | undefined
      try {
        do {
          const out = await client.send(
            new s3.ListObjectsV2Command({
              Bucket: options.bucket,
              Prefix: prefix ? `${prefix}/${keyPrefix}` : keyPrefix,
              ...(token ? { ContinuationToken: token } : {}),
            }),
          )
          for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key.slice(strip))
          token = out.IsTruncated ? out.NextContinuationToken : undefined
        } while (token)
      } catch (error) {
        throw fail(error, `could not list ${keyPrefix || '/'}`)
      }
      return keys.sort()
    },
    async delete(keys) {
      if (keys.length === 0) return
      const { s3, client } = await connect()
      try {
        for (let i = 0; i < keys.length; i += 1000) {
          const batch = keys.slice(i, i + 1000)
          const out = await client.send(
            new s3.DeleteObjectsCommand({
              Bucket: options.bucket,
              Delete: { Objects: batch.map((k) => ({ Key: full(k) })), Quiet: true },
            }),
          )
          const first = out.Errors?.[0]
          if (first) throw Object.assign(new Error(first.Message ?? 'delete failed'), { name: first.Code })
        }
      } catch (error) {
        throw fail(error, `could not delete ${keys.length} file(s)`)
      }
    },
  }
}

function s3Error(error: unknown, what: string, where: string): SluiceError {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; code?: string }
  const status = e.$metadata?.httpStatusCode
  const name = e.name ?? e.code ?? 'Error'
  const transient =
    (status !== undefined && (status >= 500 || status === 429)) ||
    [
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'SlowDown',
      'RequestTimeout',
      'InternalError',
      'ServiceUnavailable',
    ].includes(name)
  let hint: string | undefined
  if (name === 'NoSuchBucket') hint = 'create the bucket first or fix the bucket name in bucket_url'
  else if (name === 'ECONNREFUSED') hint = 'is the S3 endpoint running? check credentials.endpoint_url'
  else if (
    status === 403 ||
    name === 'AccessDenied' ||
    name === 'InvalidAccessKeyId' ||
    name === 'SignatureDoesNotMatch'
  )
    hint =
      'check credentials.aws_access_key_id / aws_secret_access_key (DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID) and the bucket policy'
  else if (name === 'CredentialsProviderError')
    hint =
      'set DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID and __AWS_SECRET_ACCESS_KEY, or an AWS profile'
  return new SluiceError(
    'FILESYSTEM_S3',
    `[filesystem] ${what} in ${where} (${name}${status ? ` ${status}` : ''})`,
    {
      cause: error,
      transient,
      hint,
    },
  )
}
