import type { FileFormat, LoadJob } from '@sluice/core/destination'
import { conversionPool } from './filesystem-convert-pool.ts'
import { createStore } from './filesystem-destination.ts'
import { writeJob } from './filesystem-job.ts'
import { extensionOf, fileIdOf, renderKey } from './filesystem-layout.ts'
import {
  conversionThreads,
  DEFAULT_LAYOUT,
  type FilesystemOptions,
  validateLayout,
} from './filesystem-options.ts'
import type { FileStore } from './filesystem-store.ts'

/** A job file uploaded to the staging area. */
export interface StagedFile {
  /** `s3://bucket/key`, `gs://bucket/key` or `file:///path`: what a warehouse's load job/COPY reads. */
  url: string
  /** Key relative to the bucket (for {@link FilesystemStaging.remove}). */
  key: string
  format: FileFormat
  /** True when the file is gzip-compressed (jsonl/csv with `compression: 'gzip'`). */
  gzip: boolean
  rows: number
}

/** The staging area warehouses (BigQuery, Snowflake) load from. */
export interface FilesystemStaging {
  readonly store: FileStore
  /**
   * Converts a job file to the staging format and uploads it to
   * `{dataset}/{table}/{load_id}.{file_id}.{ext}` (the configured layout). Repeating a job overwrites the
   * same key. `dataset` defaults to the staging options' `datasetName`.
   */
  stageJob(
    job: LoadJob,
    options?: { dataset?: string; format?: 'jsonl' | 'parquet' | 'csv' },
  ): Promise<StagedFile>
  /** Deletes staged files (after the warehouse loaded them). */
  remove(files: readonly Pick<StagedFile, 'key'>[]): Promise<void>
  /** Releases connections. */
  close(): Promise<void>
}

/**
 * A staging area over the filesystem destination's storage, for warehouse destinations that load from a
 * bucket: `stageJob` converts (jsonl, gzip jsonl, parquet, csv) and uploads a job file and returns its URL.
 * `datasetName` (default `_sluice_staging`) is the folder inside the bucket; `store` replaces the store the
 * bucket URL names (e.g. a GCS JSON-API store a BigQuery package brings).
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
  return {
    store,
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
