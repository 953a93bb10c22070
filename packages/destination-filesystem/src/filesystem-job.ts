import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import type { LoadJob } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { checkJsonl, isGzip, writeJsonl } from './filesystem-convert.ts'
import { type ConversionPool, conversionPool } from './filesystem-convert-pool.ts'
import type { FilesystemFormat } from './filesystem-options.ts'
import type { FileStore } from './filesystem-store.ts'

/**
 * Converts a job file to `format` and writes it to `key` of the store. A jsonl job is checked (JSON objects
 * with known columns) and uploaded as is (or gzipped). Returns the rows written.
 */
export async function writeJob(
  store: FileStore,
  key: string,
  job: LoadJob,
  format: FilesystemFormat,
  gzip: boolean,
  pool: ConversionPool = conversionPool(),
): Promise<number> {
  if (job.format === 'csv' && format === 'parquet') {
    // csv job files come only where DuckDB converts them (see `filesystem`)
    const tmp = `${job.file}.${randomUUID().slice(0, 8)}.out`
    try {
      const rows = await pool.convert('parquet', job.file, tmp, job.table)
      if (rows !== job.rows) {
        throw new SluiceError(
          'FILESYSTEM_CONVERT',
          `[filesystem] the csv job ${job.jobId} has ${job.rows} rows, ${rows} were converted to parquet`,
          { hint: 'run again to retry; if it repeats, please report it with the job file' },
        )
      }
      await store.putFile(key, tmp)
      return rows
    } finally {
      await rm(tmp, { force: true })
    }
  }
  if (job.format !== 'jsonl') {
    if (job.format === format && !gzip) {
      await store.putFile(key, job.file)
      return job.rows
    }
    throw new SluiceError(
      'FILESYSTEM_JOB_FORMAT',
      `[filesystem] cannot convert the ${job.format} job ${job.jobId} to ${format}`,
      {
        hint: 'the filesystem destination reads jsonl job files; this is a bug in the runner, please report it',
      },
    )
  }
  if (format === 'jsonl' && gzip === (await isGzip(job.file))) {
    const rows = await checkJsonl(job.file, job.table)
    await store.putFile(key, job.file)
    return rows
  }
  const tmp = `${job.file}.${randomUUID().slice(0, 8)}.out`
  try {
    let rows = job.rows
    if (format === 'jsonl') {
      rows = await checkJsonl(job.file, job.table)
      await writeJsonl(job.file, tmp, gzip)
    } else rows = await pool.convert(format, job.file, tmp, job.table, gzip)
    await store.putFile(key, tmp)
    return rows
  } finally {
    await rm(tmp, { force: true })
  }
}

/** A converted job file on the local disk (see {@link convertJobFile}). */
export interface ConvertedJobFile {
  /** Absolute path of the converted file (next to the job file). */
  file: string
  rows: number
  format: FilesystemFormat
  gzip: boolean
  /** Deletes the converted file. */
  remove(): Promise<void>
}

/**
 * Converts a jsonl job file to a local file in `format` (parquet with the filesystem type mapping, csv, or
 * gzip jsonl), for destinations that upload local files themselves (BigQuery load jobs, Snowflake PUT).
 * The caller MUST call `remove()` when done.
 */
export async function convertJobFile(
  job: LoadJob,
  options: { format: FilesystemFormat; gzip?: boolean; conversionThreads?: number },
): Promise<ConvertedJobFile> {
  const gzip = options.format !== 'parquet' && options.gzip === true
  const ext = options.format === 'parquet' || !gzip ? options.format : `${options.format}.gz`
  const file = `${job.file}.${randomUUID().slice(0, 8)}.${ext}`
  const keep: FileStore = {
    rootUrl: 'file:///',
    url: () => `file://${file}`,
    putFile: async (_key, localPath) => {
      const { copyFile } = await import('node:fs/promises')
      if (localPath !== file) await copyFile(localPath, file)
    },
    put: async () => {},
    get: async () => undefined,
    list: async () => [],
    delete: async () => {},
  }
  try {
    const rows = await writeJob(
      keep,
      'converted',
      job,
      options.format,
      gzip,
      conversionPool(options.conversionThreads),
    )
    return { file, rows, format: options.format, gzip, remove: () => rm(file, { force: true }) }
  } catch (error) {
    await rm(file, { force: true })
    throw error
  }
}
