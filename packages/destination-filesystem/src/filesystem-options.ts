import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { SluiceError } from '@sluice/core/destination'
import { validateLayout } from './filesystem-layout.ts'

/** Output formats of the filesystem destination. */
export type FilesystemFormat = 'jsonl' | 'parquet' | 'csv'

/**
 * Bucket credentials (dlt's `[destination.filesystem.credentials]`): the AWS keys for `s3://` (and `gs://` through
 * GCS's S3 interoperability, HMAC keys), a service account for `gs://`, an account key, SAS token, connection
 * string or service principal for `az://`/`abfss://`. Never logged.
 */
export interface FilesystemCredentials {
  awsAccessKeyId?: string
  awsSecretAccessKey?: string
  sessionToken?: string
  /**
   * The endpoint: S3-compatible (`http://127.0.0.1:9000` MinIO, an R2 account endpoint), the GCS JSON API's base
   * (default `https://storage.googleapis.com`) or the Azure Blob service URL (default
   * `https://{account}.blob.core.windows.net`; Azurite: `http://127.0.0.1:10000/devstoreaccount1`).
   */
  endpointUrl?: string
  /** Default `us-east-1`. */
  region?: string
  /** GCS: the service account's project (`project_id`). */
  projectId?: string
  /** GCS: the service account's PEM private key (`private_key`). */
  privateKey?: string
  /** GCS: the service account's e-mail (`client_email`). */
  clientEmail?: string
  /** GCS: where tokens are asked for (`token_uri`). Default `https://oauth2.googleapis.com/token`. */
  tokenUri?: string
  /** GCS: a service-account key file (JSON). Default `GOOGLE_APPLICATION_CREDENTIALS`. */
  keyFile?: string
  /** Azure: the storage account (default: the one an `abfss://container@account...` URL names). */
  azureStorageAccountName?: string
  /** Azure: the account key. */
  azureStorageAccountKey?: string
  /** Azure: a SAS token (`sv=...&sig=...`) with read, write, delete and list permissions. */
  azureStorageSasToken?: string
  /** Azure: a connection string (`AccountName=...;AccountKey=...` or `UseDevelopmentStorage=true`). */
  azureStorageConnectionString?: string
  /** Azure service principal: tenant (needs `@azure/identity`). */
  azureTenantId?: string
  /** Azure service principal: client (application) id. */
  azureClientId?: string
  /** Azure service principal: client secret. */
  azureClientSecret?: string
}

/** Options of `filesystem()` and `filesystemStaging()`. */
export interface FilesystemOptions {
  /**
   * `file:///abs/path`, a plain (absolute or relative) path, `s3://bucket/prefix`, `gs://bucket/prefix`,
   * `az://container/prefix` (also `azure://`, `abfs://`, `abfss://container@account.dfs.core.windows.net/prefix`).
   * `gs://` goes through the GCS JSON API with a service account, or through GCS's S3 interoperability when
   * `credentials` has HMAC keys (`awsAccessKeyId`, `awsSecretAccessKey`; endpoint `https://storage.googleapis.com`).
   */
  bucketUrl: string
  /** Output format. Default `jsonl`. */
  format?: FilesystemFormat
  /** `gzip` compresses jsonl and csv files (`.jsonl.gz`, `.csv.gz`); parquet is always snappy-compressed. Default `none`. */
  compression?: 'gzip' | 'none'
  /**
   * Where data files go, relative to the bucket. Default `{dataset}/{table}/{load_id}.{file_id}.{ext}`.
   * MUST start with `{dataset}/` and contain `{table}`, `{load_id}` and `{file_id}`. Placeholders:
   * `{dataset}` `{table}` `{load_id}` `{file_id}` `{ext}` `{timestamp}` (unix seconds when the package was
   * first started) `{YYYY}` `{MM}` `{DD}` `{HH}` (that time, UTC).
   */
  layout?: string
  credentials?: FilesystemCredentials
  /** An `S3Client` from `@aws-sdk/client-s3` to use instead of one built from `credentials`. */
  s3Client?: unknown
  /**
   * Worker threads that convert job files to parquet or csv, shared by the process. Without `@duckdb/node-api` the
   * conversion is JavaScript (about 16 s of one core per 1M Clockodo entries to parquet; with DuckDB about a third
   * of that), so workers let a load use every core: 1M entries
   * over HTTP to parquet on 2 cores took 21.7 s instead of 28.0 s. Each worker has a V8 heap of its own (peak RSS
   * 468 MB instead of 303 MB there). Default the number of CPU cores, at most 4; 0 converts on the sluice thread.
   */
  conversionThreads?: number
  /** Files larger than this (bytes) go up to a bucket in parts (S3 multipart, Azure blocks, GCS resumable chunks). Default 16 MiB. */
  multipartThreshold?: number
  /** Bytes per part (S3: at least 5 MiB). Default 8 MiB. */
  partSize?: number
  /** Parts of one file uploaded at once (S3, Azure). Default 4. */
  uploadConcurrency?: number
}

/** A bucket URL taken apart. */
export type ParsedBucket =
  | { kind: 'local'; path: string }
  | { kind: 's3'; scheme: 's3' | 'gs'; bucket: string; prefix: string }
  | {
      kind: 'azure'
      container: string
      /** The account an `abfss://container@account.dfs.core.windows.net` URL names. */
      accountName?: string
      prefix: string
      /** The URL up to the container, as written (`az://container`, `abfss://container@account.dfs...`). */
      urlBase: string
    }

const WHERE = 'DESTINATION__FILESYSTEM__BUCKET_URL or bucket_url in [destination.filesystem]'

/** Splits a bucket URL into a local folder, an S3/GCS bucket or an Azure container, and a prefix. Throws `CONFIG_INVALID` for others. */
export function parseBucketUrl(bucketUrl: string): ParsedBucket {
  const url = bucketUrl.trim()
  if (url === '') {
    throw new SluiceError('CONFIG_MISSING', 'the filesystem destination needs a bucket URL', {
      hint: `set ${WHERE} (a folder path, file:///path, s3://, gs:// or az://)`,
    })
  }
  if (url.startsWith('file://')) {
    try {
      return { kind: 'local', path: fileURLToPath(url) }
    } catch (cause) {
      throw new SluiceError('CONFIG_INVALID', `bucket URL ${url} is not a valid file URL`, {
        cause,
        hint: `use file:///absolute/path in ${WHERE}`,
      })
    }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 's3' || scheme === 's3a' || scheme === 'gs') {
    const rest = url.slice(scheme.length + 3)
    const slash = rest.indexOf('/')
    const bucket = slash < 0 ? rest : rest.slice(0, slash)
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '')
    if (bucket.length < 3 || bucket.length > 63) {
      throw new SluiceError(
        'CONFIG_INVALID',
        `bucket URL ${url}: the bucket name must have 3 to 63 characters`,
        {
          hint: `fix ${WHERE}`,
        },
      )
    }
    if (prefix.split('/').some((s) => s === '.' || s === '..')) {
      throw new SluiceError(
        'CONFIG_INVALID',
        `bucket URL ${url}: "." and ".." are not allowed in the prefix`,
        {
          hint: `fix ${WHERE}`,
        },
      )
    }
    return { kind: 's3', scheme: scheme === 'gs' ? 'gs' : 's3', bucket, prefix }
  }
  if (scheme === 'az' || scheme === 'azure' || scheme === 'abfs' || scheme === 'abfss') {
    const rest = url.slice(scheme.length + 3)
    const slash = rest.indexOf('/')
    const authority = slash < 0 ? rest : rest.slice(0, slash)
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '')
    const at = authority.indexOf('@')
    const container = at < 0 ? authority : authority.slice(0, at)
    const accountName = at < 0 ? undefined : authority.slice(at + 1).split('.')[0]
    if (!/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?$/.test(container) || accountName === '') {
      throw new SluiceError(
        'CONFIG_INVALID',
        `bucket URL ${url}: ${JSON.stringify(container)} is not a container name`,
        {
          hint: `use az://container/prefix or abfss://container@account.dfs.core.windows.net/prefix (3 to 63 lowercase letters, digits and dashes) in ${WHERE}`,
        },
      )
    }
    if (prefix.split('/').some((s) => s === '.' || s === '..')) {
      throw new SluiceError(
        'CONFIG_INVALID',
        `bucket URL ${url}: "." and ".." are not allowed in the prefix`,
        {
          hint: `fix ${WHERE}`,
        },
      )
    }
    return {
      kind: 'azure',
      container,
      ...(accountName ? { accountName } : {}),
      prefix,
      urlBase: `${scheme}://${authority}`,
    }
  }
  if (scheme !== undefined) {
    throw new SluiceError('CONFIG_INVALID', `bucket URL scheme ${scheme}:// is not supported`, {
      hint: `use a folder path, file:///path, s3://bucket/prefix (R2 and MinIO: s3:// plus credentials.endpoint_url), gs://bucket/prefix or az://container/prefix in ${WHERE}`,
    })
  }
  return { kind: 'local', path: url }
}

const FORMATS: readonly FilesystemFormat[] = ['jsonl', 'parquet', 'csv']

function str(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new SluiceError('CONFIG_INVALID', `[destination.filesystem] ${name} must be a string`, {
    hint: `fix DESTINATION__FILESYSTEM__${name.toUpperCase().replace(/\./g, '__')}`,
  })
}

function pick(obj: Record<string, unknown>, ...keys: string[]): unknown {
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== null && obj[k] !== '') return obj[k]
  return undefined
}

/**
 * Builds {@link FilesystemOptions} from a config section (`[destination.filesystem]` as resolved by the CLI):
 * dlt-style keys `bucket_url`, `format` (or `loader_file_format`), `compression`, `layout`, `conversion_threads`,
 * `multipart_threshold`, `part_size`, `upload_concurrency`, and `credentials.*`: `aws_access_key_id`,
 * `aws_secret_access_key`, `aws_session_token`, `endpoint_url`, `region` (or `region_name`); for GCS `project_id`,
 * `private_key`, `client_email`, `token_uri`, `key_file`; for Azure `azure_storage_account_name`,
 * `azure_storage_account_key`, `azure_storage_sas_token`, `azure_storage_connection_string`, `azure_tenant_id`,
 * `azure_client_id`, `azure_client_secret`. camelCase keys are accepted too. Errors name the setting to fix and never
 * include secret values.
 */
export function parseFilesystemConfig(input: Record<string, unknown>): FilesystemOptions {
  const bucketUrl = str(pick(input, 'bucket_url', 'bucketUrl'), 'bucket_url')
  if (!bucketUrl) {
    throw new SluiceError('CONFIG_MISSING', 'the filesystem destination needs a bucket URL', {
      hint: `set ${WHERE} (a folder path, file:///path, s3://, gs:// or az://)`,
    })
  }
  parseBucketUrl(bucketUrl)
  const format = str(pick(input, 'format', 'loader_file_format', 'file_format'), 'format')
  if (format !== undefined && !FORMATS.includes(format as FilesystemFormat)) {
    throw new SluiceError('CONFIG_INVALID', `unknown filesystem format ${JSON.stringify(format)}`, {
      hint: `set DESTINATION__FILESYSTEM__FORMAT (format in [destination.filesystem]) to ${FORMATS.join(', ')}`,
    })
  }
  const compression = str(pick(input, 'compression'), 'compression')
  if (compression !== undefined && compression !== 'gzip' && compression !== 'none') {
    throw new SluiceError('CONFIG_INVALID', `unknown filesystem compression ${JSON.stringify(compression)}`, {
      hint: 'set DESTINATION__FILESYSTEM__COMPRESSION to gzip or none',
    })
  }
  const layout = str(pick(input, 'layout'), 'layout')
  if (layout !== undefined) validateLayout(layout)
  const rawCreds = pick(input, 'credentials')
  if (rawCreds !== undefined && (typeof rawCreds !== 'object' || Array.isArray(rawCreds))) {
    throw new SluiceError('CONFIG_INVALID', '[destination.filesystem] credentials must be a table of keys', {
      hint: 'use [destination.filesystem.credentials] with the keys of your bucket (aws_access_key_id ..., client_email ..., azure_storage_account_name ...)',
    })
  }
  const c = (rawCreds ?? {}) as Record<string, unknown>
  const credentials: FilesystemCredentials = {}
  const set = (key: keyof FilesystemCredentials, value: string | undefined): void => {
    if (value !== undefined) credentials[key] = value
  }
  set('awsAccessKeyId', str(pick(c, 'aws_access_key_id', 'awsAccessKeyId'), 'credentials.aws_access_key_id'))
  set(
    'awsSecretAccessKey',
    str(pick(c, 'aws_secret_access_key', 'awsSecretAccessKey'), 'credentials.aws_secret_access_key'),
  )
  set(
    'sessionToken',
    str(pick(c, 'aws_session_token', 'session_token', 'sessionToken'), 'credentials.aws_session_token'),
  )
  set('endpointUrl', str(pick(c, 'endpoint_url', 'endpointUrl'), 'credentials.endpoint_url'))
  set('region', str(pick(c, 'region', 'region_name'), 'credentials.region'))
  const more: [keyof FilesystemCredentials, string][] = [
    ['projectId', 'project_id'],
    ['privateKey', 'private_key'],
    ['clientEmail', 'client_email'],
    ['tokenUri', 'token_uri'],
    ['keyFile', 'key_file'],
    ['azureStorageAccountName', 'azure_storage_account_name'],
    ['azureStorageAccountKey', 'azure_storage_account_key'],
    ['azureStorageSasToken', 'azure_storage_sas_token'],
    ['azureStorageConnectionString', 'azure_storage_connection_string'],
    ['azureTenantId', 'azure_tenant_id'],
    ['azureClientId', 'azure_client_id'],
    ['azureClientSecret', 'azure_client_secret'],
  ]
  for (const [key, name] of more) set(key, str(pick(c, name, key), `credentials.${name}`))
  // a key pasted into an environment variable often has its newlines written as \n
  if (credentials.privateKey && !credentials.privateKey.includes('\n'))
    credentials.privateKey = credentials.privateKey.replaceAll('\\n', '\n')
  if ((credentials.clientEmail === undefined) !== (credentials.privateKey === undefined)) {
    throw new SluiceError('CONFIG_INVALID', 'GCS service-account credentials are incomplete', {
      hint: 'set both DESTINATION__FILESYSTEM__CREDENTIALS__CLIENT_EMAIL and __PRIVATE_KEY (or key_file, or neither to use GOOGLE_APPLICATION_CREDENTIALS)',
    })
  }
  const principal = [credentials.azureTenantId, credentials.azureClientId, credentials.azureClientSecret]
  if (principal.some((v) => v !== undefined) && principal.some((v) => v === undefined)) {
    throw new SluiceError('CONFIG_INVALID', 'Azure service-principal credentials are incomplete', {
      hint: 'set DESTINATION__FILESYSTEM__CREDENTIALS__AZURE_TENANT_ID, __AZURE_CLIENT_ID and __AZURE_CLIENT_SECRET together',
    })
  }
  if ((credentials.awsAccessKeyId === undefined) !== (credentials.awsSecretAccessKey === undefined)) {
    throw new SluiceError('CONFIG_INVALID', 'S3 credentials are incomplete', {
      hint: 'set both DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID and __AWS_SECRET_ACCESS_KEY (or neither, to use the AWS default chain)',
    })
  }
  const threads = str(pick(input, 'conversion_threads', 'conversionThreads'), 'conversion_threads')
  const options: FilesystemOptions = { bucketUrl }
  if (threads !== undefined) options.conversionThreads = conversionThreads(Number(threads))
  const sizes: [
    keyof FilesystemOptions & ('multipartThreshold' | 'partSize' | 'uploadConcurrency'),
    string,
  ][] = [
    ['multipartThreshold', 'multipart_threshold'],
    ['partSize', 'part_size'],
    ['uploadConcurrency', 'upload_concurrency'],
  ]
  for (const [key, name] of sizes) {
    const value = str(pick(input, name, key), name)
    if (value === undefined) continue
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1) {
      throw new SluiceError(
        'CONFIG_INVALID',
        `[destination.filesystem] ${name} must be a positive whole number, got ${value}`,
        {
          hint: `set DESTINATION__FILESYSTEM__${name.toUpperCase()} (bytes for the sizes), or leave it out`,
        },
      )
    }
    options[key] = n
  }
  if (format) options.format = format as FilesystemFormat
  if (compression) options.compression = compression as 'gzip' | 'none'
  if (layout) options.layout = layout
  if (Object.keys(credentials).length > 0) options.credentials = credentials
  return options
}

/**
 * The settings a pipeline records (`Destination.publicConfig`), in `[destination.filesystem]` keys and without the
 * secrets: the bucket URL (a local folder as an absolute `file://` URL), format, compression, layout, conversion
 * threads, multipart sizes, the endpoint, the S3 region, the GCS project and the Azure storage account. Parts of a
 * credential that are useless without their secret (a service account's e-mail, a service principal's ids, a key
 * file's path) are not recorded: they come with the secret from the environment or `.sluice/secrets.toml`.
 */
export function filesystemPublicConfig(options: FilesystemOptions): Record<string, unknown> {
  const bucket = parseBucketUrl(options.bucketUrl)
  const c = options.credentials
  const credentials = {
    ...(c?.endpointUrl ? { endpoint_url: c.endpointUrl } : {}),
    ...(c?.region ? { region: c.region } : {}),
    ...(c?.projectId ? { project_id: c.projectId } : {}),
    ...(c?.azureStorageAccountName ? { azure_storage_account_name: c.azureStorageAccountName } : {}),
  }
  return {
    bucket_url: bucket.kind === 'local' ? pathToFileURL(resolve(bucket.path)).href : options.bucketUrl.trim(),
    ...(options.format ? { format: options.format } : {}),
    ...(options.compression ? { compression: options.compression } : {}),
    ...(options.layout ? { layout: options.layout } : {}),
    ...(options.conversionThreads !== undefined ? { conversion_threads: options.conversionThreads } : {}),
    ...(options.multipartThreshold !== undefined ? { multipart_threshold: options.multipartThreshold } : {}),
    ...(options.partSize !== undefined ? { part_size: options.partSize } : {}),
    ...(options.uploadConcurrency !== undefined ? { upload_concurrency: options.uploadConcurrency } : {}),
    ...(Object.keys(credentials).length > 0 ? { credentials } : {}),
  }
}

/** Checks {@link FilesystemOptions.conversionThreads}: a whole number from 0 to 64 (`CONFIG_INVALID` otherwise). */
export function conversionThreads(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 64) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `[destination.filesystem] conversion_threads must be 0 to 64, got ${value}`,
      {
        hint: 'set DESTINATION__FILESYSTEM__CONVERSION_THREADS to a whole number (0 converts on the sluice thread), or leave it out for one per CPU core (at most 4)',
      },
    )
  }
  return value
}
