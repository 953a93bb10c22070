import type { Column, LoadJob, Stage, StageCredentials, Table } from '@sluice/core/destination'
import { azureBlobLocation, SluiceError } from '@sluice/core/destination'
import { type ConvertedJobFile, convertJobFile } from '@sluice/destination-filesystem'
import type { DatabricksConnectionParams } from './databricks-credentials.ts'
import { quoteDatabricksIdentifier } from './databricks-dialect.ts'

// How job files reach Databricks: converted to parquet (what COPY INTO reads best; Databricks reads no parquet TIME,
// so time columns go as text, as the STRING columns hold them), uploaded to a Unity Catalog volume or a staging
// bucket, and loaded with COPY INTO.

const VALIDITY = new Set(['_sluice_valid_from', '_sluice_valid_to'])

/** The table a job file is converted with: the staging columns, `time` as text. */
export function parquetTable(name: string, columns: readonly Column[]): Table {
  return {
    name,
    writeDisposition: 'append',
    columns: columns
      .filter((c) => !VALIDITY.has(c.name))
      .map((c) => (c.dataType === 'time' ? { ...c, dataType: 'text' as const } : c)),
  }
}

/** Converts a jsonl job file of `table` to a local parquet file next to it; the caller MUST `remove()` it. */
export function toParquet(file: string, table: Table): Promise<ConvertedJobFile> {
  const job: LoadJob = { loadId: '', jobId: table.name, table, file, format: 'jsonl', rows: 0 }
  return convertJobFile(job, { format: 'parquet' })
}

/** A Databricks SQL string literal (backslash escapes). */
export function sqlString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

/**
 * `COPY INTO <table> FROM '<folder>' [WITH (CREDENTIAL ...)] FILEFORMAT = PARQUET FILES = ('<file>') COPY_OPTIONS
 * ('force' = 'true')` for the file at `source` (a `/Volumes/...` path or a bucket URL). `force` loads the file even
 * when COPY INTO loaded a file of that path into the table before (a staging table is emptied and refilled when a
 * package is loaded again).
 */
export function copyIntoSql(table: string, source: string, credential?: string): string {
  const slash = source.lastIndexOf('/')
  const folder = source.slice(0, slash)
  const file = source.slice(slash + 1)
  const withCredential = credential ? ` WITH (CREDENTIAL ${credential})` : ''
  return `COPY INTO ${table} FROM ${sqlString(folder)}${withCredential} FILEFORMAT = PARQUET FILES = (${sqlString(file)}) COPY_OPTIONS ('force' = 'true')`
}

/**
 * The URL COPY INTO reads a staged file from: an Azure stage's file (`az://container/path`, `abfs://` ...) as
 * `abfss://container@account.dfs.core.windows.net/path` (the account from `credentials` when the URL has none);
 * other URLs as they are.
 */
export function databricksUrl(url: string, credentials: StageCredentials | undefined): string {
  if (url.startsWith('abfss://')) return url
  const azure = azureBlobLocation(url, credentials?.azureStorageAccountName)
  return azure ? `abfss://${azure.container}@${azure.account}.dfs.core.windows.net/${azure.path}` : url
}

/** The settings that decide how COPY INTO reads a staging bucket. */
export type BucketAccess = Pick<
  DatabricksConnectionParams,
  'stagingCredentialsName' | 'isStagingExternalLocation'
>

/**
 * The `CREDENTIAL` of a COPY INTO from a staging bucket URL: none for an external location, the named credential,
 * or inline: the bucket's keys for `s3://`, the SAS token for Azure. Throws `CONFIG_INVALID` when none applies.
 */
export function bucketCredential(
  url: string,
  access: BucketAccess,
  keys: StageCredentials | undefined,
): string | undefined {
  if (access.isStagingExternalLocation) return undefined
  if (access.stagingCredentialsName) return quoteDatabricksIdentifier(access.stagingCredentialsName)
  if (url.startsWith('s3://') && keys?.awsAccessKeyId && keys.awsSecretAccessKey) {
    const parts = [
      `AWS_ACCESS_KEY = ${sqlString(keys.awsAccessKeyId)}`,
      `AWS_SECRET_KEY = ${sqlString(keys.awsSecretAccessKey)}`,
      ...(keys.sessionToken ? [`AWS_SESSION_TOKEN = ${sqlString(keys.sessionToken)}`] : []),
    ]
    return `(${parts.join(', ')})`
  }
  if (keys?.azureStorageSasToken && databricksUrl(url, keys).startsWith('abfss://'))
    return `(AZURE_SAS_TOKEN = ${sqlString(keys.azureStorageSasToken.replace(/^\?/, ''))})`
  throw new SluiceError(
    'CONFIG_INVALID',
    `[databricks] COPY INTO has no way to read the staging bucket ${url.split('/').slice(0, 3).join('/')}`,
    {
      hint: 'set staging_credentials_name to a Unity Catalog storage credential, or is_staging_external_location = true when the bucket is an external location (s3:// buckets may also pass their keys: aws_access_key_id and aws_secret_access_key in [destination.filesystem.credentials]; Azure containers a SAS token: azure_storage_sas_token)',
    },
  )
}

/** Schemes COPY INTO reads a staging bucket from. */
const BUCKET_SCHEMES = ['s3://', 'gs://', 'abfss://', 'abfs://', 'az://', 'azure://']

/**
 * Refuses a staging bucket COPY INTO cannot read, when the destination is made: a scheme other than `s3://`,
 * `gs://` or Azure's (e.g. a local folder), or a bucket without a credential (see {@link bucketCredential}).
 */
export function checkBucket(access: BucketAccess): (stage: Stage) => void {
  return (stage) => {
    if (!BUCKET_SCHEMES.some((s) => stage.rootUrl.startsWith(s))) {
      throw new SluiceError(
        'CONFIG_INVALID',
        `[databricks] COPY INTO cannot read ${stage.rootUrl.split(':')[0]}: staging files`,
        {
          hint: 'use an s3://, gs:// or abfss:// (az://) staging bucket, or no staging (job files then go to a Unity Catalog volume)',
        },
      )
    }
    bucketCredential(stage.rootUrl, access, stage.credentials)
  }
}

/**
 * The staging bucket as Databricks needs it: each job file is staged as parquet converted with
 * {@link parquetTable}, whatever format was asked for; the rest is the bucket's own stage.
 */
export function databricksStaging(bucket: Stage): Stage {
  return {
    rootUrl: bucket.rootUrl,
    credentials: bucket.credentials,
    stageJob: (job, options) =>
      bucket.stageJob(
        { ...job, table: { ...job.table, ...parquetTable(job.table.name, job.table.columns) } },
        { dataset: options.dataset, format: 'parquet' },
      ),
    remove: (files) => bucket.remove(files),
    close: () => bucket.close(),
  }
}
