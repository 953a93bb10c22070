import type { FileFormat, LoadJob } from './destination-types.ts'

/**
 * Keys a warehouse passes so that it can read a bucket it did not write itself (Snowflake's `COPY INTO ...
 * CREDENTIALS = (...)` for `s3://`). Secrets: never log, store or show them.
 */
export interface StageCredentials {
  awsAccessKeyId?: string | undefined
  awsSecretAccessKey?: string | undefined
  sessionToken?: string | undefined
  /** The Azure storage account of an `az://` stage (an `abfss://container@account...` URL names its own). */
  azureStorageAccountName?: string | undefined
  /** A SAS token for an Azure stage (Snowflake's `AZURE_SAS_TOKEN`, Databricks' inline credential). */
  azureStorageSasToken?: string | undefined
}

/** Where an Azure blob is: storage account, container and blob path (see {@link azureBlobLocation}). */
export interface AzureBlobLocation {
  account: string
  container: string
  /** The blob path inside the container, without a leading `/` (may be `''`). */
  path: string
}

/**
 * Takes a staged file's Azure URL apart: `az://container/path`, `azure://`, `abfs://` or
 * `abfss://container@account.dfs.core.windows.net/path`. The account of a URL that does not name one is
 * `accountName`. `undefined` for other URLs, or when the account is not known.
 */
export function azureBlobLocation(url: string, accountName?: string): AzureBlobLocation | undefined {
  const m = /^(?:az|azure|abfss?):\/\/([^/@]+)(?:@([^./]+)[^/]*)?(?:\/(.*))?$/i.exec(url)
  if (!m) return undefined
  const account = m[2] ?? accountName
  if (!account) return undefined
  return { account, container: m[1] as string, path: (m[3] ?? '').replace(/^\/+/, '') }
}

/** A job file uploaded to a {@link Stage}. */
export interface StagedFile {
  /** What the warehouse reads: `gs://bucket/key`, `s3://bucket/key` or `file:///path` (no secrets). */
  url: string
  /** The file's path relative to the stage's `rootUrl` (what {@link Stage.remove} takes). */
  key: string
  format: FileFormat
  /** True when the file is gzip-compressed. */
  gzip: boolean
  rows: number
}

/**
 * Where a warehouse loads job files from: a bucket the job files are uploaded to first (dlt's
 * `staging = "filesystem"`). `filesystemStaging()` of `@sluice/destination-filesystem` implements it; the CLI
 * builds one from `[destination.filesystem]` when a destination's section says `staging = "filesystem"`.
 * `sqlDestination({ staging })` uploads each job file with `stageJob`, has the client load it from its URL
 * (`SqlClient.loadStaged`), removes it unless asked to keep it, and closes the stage with the client.
 */
export interface Stage {
  /** Root URL of the bucket, e.g. `gs://bucket/prefix` (no secrets). */
  readonly rootUrl: string
  /** Keys to read the bucket with, when the warehouse needs them (see {@link StageCredentials}). Secret. */
  readonly credentials?: StageCredentials | undefined
  /**
   * Uploads a job file (converted to `format`) under the dataset's folder and returns where it went. Repeating a
   * job MUST overwrite the same file.
   */
  stageJob(job: LoadJob, options: { dataset: string; format: FileFormat }): Promise<StagedFile>
  /** Deletes staged files (after the warehouse loaded them). */
  remove(files: readonly Pick<StagedFile, 'key'>[]): Promise<void>
  /** Releases connections. Called when a client that used the stage is disposed. */
  close(): Promise<void>
}
