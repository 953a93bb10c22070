import { SluiceError } from '@sluice/core/destination'
import type { FilesystemStaging } from '@sluice/destination-filesystem'

/** Keys that COPY INTO passes for an `s3://` bucket (from the filesystem destination's credentials). Secrets. */
export interface BucketCredentials {
  awsAccessKeyId?: string | undefined
  awsSecretAccessKey?: string | undefined
  sessionToken?: string | undefined
}

/** A resolved staging bucket: where job files go before COPY INTO reads them. */
export interface SnowflakeStaging {
  staging: FilesystemStaging
  /** Root URL of the bucket (no secrets). */
  rootUrl: string
  credentials: BucketCredentials | undefined
  /** Keep staged files after loading. Default false. */
  keep: boolean
}

/**
 * The `staging` option: a {@link FilesystemStaging} from `@sluice/destination-filesystem`, a bucket URL, or dlt's
 * `[destination.filesystem]` section (`bucket_url`, `credentials`). `undefined` = no bucket (PUT into a stage).
 */
export type SnowflakeStagingOption = FilesystemStaging | string | Record<string, unknown>

function isStaging(value: unknown): value is FilesystemStaging {
  return typeof (value as FilesystemStaging | undefined)?.stageJob === 'function'
}

/**
 * Resolves the staging option (importing `@sluice/destination-filesystem` for a URL or a config section).
 * Throws `CONFIG_INVALID` for buckets COPY INTO cannot read without a named stage (gs://, az://, local folders).
 */
export async function resolveStaging(
  option: SnowflakeStagingOption | undefined,
  extra: { credentials?: BucketCredentials | undefined; stage?: string | undefined; keep?: boolean },
): Promise<SnowflakeStaging | undefined> {
  if (option === undefined || option === null || option === '') return undefined
  let staging: FilesystemStaging
  let credentials = extra.credentials
  if (isStaging(option)) staging = option
  else {
    let fs: typeof import('@sluice/destination-filesystem')
    try {
      fs = await import('@sluice/destination-filesystem')
    } catch (cause) {
      throw new SluiceError(
        'CONFIG_INVALID',
        '[snowflake] a staging bucket needs @sluice/destination-filesystem',
        {
          cause,
          hint: 'npm install @sluice/destination-filesystem (and @aws-sdk/client-s3 for s3:// buckets)',
        },
      )
    }
    const config = typeof option === 'string' ? { bucket_url: option } : option
    const parsed = fs.parseFilesystemConfig(config)
    staging = fs.filesystemStaging({ ...parsed, format: 'jsonl', compression: 'gzip' })
    credentials ??= parsed.credentials
  }
  const rootUrl = staging.store.rootUrl
  if (!extra.stage && !rootUrl.startsWith('s3://')) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `[snowflake] COPY INTO cannot read ${rootUrl.split(':')[0]}:// staging files by URL`,
      {
        hint: 'create an external stage on the bucket (CREATE STAGE ... URL = ... STORAGE_INTEGRATION = ...) and set stage_name to it',
      },
    )
  }
  return { staging, rootUrl, credentials, keep: extra.keep ?? false }
}

function literal(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

/**
 * The `FROM ... FILES = (...)` part of a COPY INTO for a staged file: through the named external stage (which
 * must point at the bucket root of the staging URL) or by URL with `CREDENTIALS` for `s3://`.
 */
export function stagedSource(
  key: string,
  url: string,
  stage: string | undefined,
  credentials: BucketCredentials | undefined,
): string {
  const slash = key.lastIndexOf('/')
  const dir = slash >= 0 ? key.slice(0, slash + 1) : ''
  const name = key.slice(slash + 1)
  if (stage) return `@${stage}/${dir} FILES = (${literal(name)})`
  const folder = url.slice(0, url.length - name.length)
  const creds: string[] = []
  if (credentials?.awsAccessKeyId) creds.push(`AWS_KEY_ID = ${literal(credentials.awsAccessKeyId)}`)
  if (credentials?.awsSecretAccessKey)
    creds.push(`AWS_SECRET_KEY = ${literal(credentials.awsSecretAccessKey)}`)
  if (credentials?.sessionToken) creds.push(`AWS_TOKEN = ${literal(credentials.sessionToken)}`)
  return `${literal(folder)}${creds.length ? ` CREDENTIALS = (${creds.join(' ')})` : ''} FILES = (${literal(name)})`
}

/** SQL with `CREDENTIALS = (...)` masked, for messages. */
export function redactCredentials(sql: string): string {
  return sql.replace(/CREDENTIALS = \((?:[^)'\\]|'(?:[^'\\]|\\.)*'|\\.)*\)/g, 'CREDENTIALS = (***)')
}
