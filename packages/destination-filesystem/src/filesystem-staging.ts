import type { FileFormat, LoadJob, Stage, StageCredentials, StagedFile } from '@sluice/core/destination'
import { conversionPool } from './filesystem-convert-pool.ts'
import { createStore } from './filesystem-destination.ts'
import { writeJob } from './filesystem-job.ts'
import { DEFAULT_LAYOUT, extensionOf, fileIdOf, renderKey, validateLayout } from './filesystem-layout.ts'
import { conversionThreads, type FilesystemOptions } from './filesystem-options.ts'
import type { FileStore } from './filesystem-store.ts'

/**
 * The staging area warehouses (BigQuery, Snowflake, Databricks, Redshift) load from: core's {@link Stage} over the filesystem
 * destination's storage.
 */
export interface FilesystemStaging extends Stage {
  readonly store: FileStore
  /**
   * Converts a job file to the staging format and uploads it to
   * `{dataset}/{table}/{load_id}.{file_id}.{ext}` (the configured layout). Repeating a job overwrites the
   * same key. `dataset` defaults to the staging options' `datasetName`, `format` to the options' format.
   */
  stageJob(job: LoadJob, options?: { dataset?: string; format?: FileFormat }): Promise<StagedFile>
}

/**
 * A staging area over the filesystem destination's storage, for warehouse destinations that load from a
 * bucket: `stageJob` converts (jsonl, gzip jsonl, parquet, csv) and uploads a job file and returns its URL.
 * `datasetName` (default `_sluice_staging`) is the folder inside the bucket; `store` replaces the store the
 * bucket URL names. The S3 keys and the Azure account name and SAS token of `credentials` are the stage's
 * `credentials` (a warehouse reading the bucket by URL passes them on, e.g. Snowflake's and Databricks' COPY INTO).
 */
export function filesystemStaging(
  options: FilesystemOptions & { datasetName?: string; store?: FileStore },
): FilesystemStaging {
  const layout = options.layout ?? DEFAULT_LAYOUT
  validateLayout(layout)
  const store = options.store ?? createStore(options)
  const gzip = options.compression === 'gzip'
  const threads =
    options.conversionThreads === undefined ? undefined : conversionThreads(options.conversionThreads)
  const c = options.credentials
  const keys: StageCredentials = {
    ...(c?.awsAccessKeyId ? { awsAccessKeyId: c.awsAccessKeyId } : {}),
    ...(c?.awsSecretAccessKey ? { awsSecretAccessKey: c.awsSecretAccessKey } : {}),
    ...(c?.sessionToken ? { sessionToken: c.sessionToken } : {}),
    ...(c?.azureStorageAccountName ? { azureStorageAccountName: c.azureStorageAccountName } : {}),
    ...(c?.azureStorageSasToken ? { azureStorageSasToken: c.azureStorageSasToken.replace(/^\?/, '') } : {}),
  }
  const credentials = Object.keys(keys).length > 0 ? keys : undefined
  return {
    store,
    rootUrl: store.rootUrl,
    credentials,
    async stageJob(job, opts = {}) {
      const format = opts.format ?? options.format ?? 'jsonl'
      const fileGzip = gzip && format !== 'parquet'
      const key = renderKey(layout, {
        dataset: opts.dataset ?? options.datasetName ?? '_sluice_staging',
        table: job.table.name,
        loadId: job.loadId,
        fileId: fileIdOf(job.jobId, job.table.name),
        ext: extensionOf(format, fileGzip),
        timestamp: Math.floor(Date.now() / 1000),
      })
      const rows = await writeJob(store, key, job, format, fileGzip, conversionPool(threads))
      return { url: store.url(key), key, format, gzip: fileGzip, rows }
    },
    remove: (files) => store.delete(files.map((f) => f.key)),
    close: async () => {
      await store.close?.()
    },
  }
}
