import type {
  Destination,
  DestinationCapabilities,
  DestinationClient,
  DestinationContext,
} from '@sluice/core/destination'
import { FilesystemClient } from './filesystem-client.ts'
import {
  conversionThreads,
  DEFAULT_LAYOUT,
  type FilesystemOptions,
  filesystemPublicConfig,
  parseBucketUrl,
  validateLayout,
} from './filesystem-options.ts'
import { openFilesystemReader } from './filesystem-reader.ts'
import type { FileStore } from './filesystem-store.ts'
import { localStore } from './local-store.ts'
import { s3Store } from './s3-store.ts'

/** What the filesystem destination can do: files in, no merge, no transactions. */
export const FILESYSTEM_CAPABILITIES: DestinationCapabilities = {
  fileFormats: ['jsonl', 'parquet', 'csv'],
  writeDispositions: ['append', 'replace'],
  mergeStrategies: [],
  // every strategy behaves the same: new files first, older ones deleted in complete()
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging', 'staging-optimized'],
  transactions: false,
  ddlInTransactions: false,
  maxIdentifierLength: 255,
  identifierCase: 'lower',
}

/**
 * The {@link FileStore} a bucket URL names: a local folder, or an S3/GCS bucket (client from
 * `options.s3Client` or built from `options.credentials`).
 */
export function createStore(options: FilesystemOptions): FileStore {
  const bucket = parseBucketUrl(options.bucketUrl)
  if (bucket.kind === 'local') return localStore(bucket.path)
  const c = options.credentials ?? {}
  const gcs = bucket.scheme === 'gs'
  const endpointUrl = c.endpointUrl ?? (gcs ? 'https://storage.googleapis.com' : undefined)
  const region = c.region ?? (gcs ? 'auto' : undefined)
  return s3Store({
    bucket: bucket.bucket,
    prefix: bucket.prefix,
    scheme: bucket.scheme,
    ...(endpointUrl ? { endpointUrl } : {}),
    ...(region ? { region } : {}),
    ...(c.awsAccessKeyId ? { accessKeyId: c.awsAccessKeyId } : {}),
    ...(c.awsSecretAccessKey ? { secretAccessKey: c.awsSecretAccessKey } : {}),
    ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
    ...(options.s3Client ? { client: options.s3Client } : {}),
  })
}

/**
 * The filesystem destination: tables as data files in a local folder or an S3-compatible bucket.
 * Data files go to `layout` (default `{dataset}/{table}/{load_id}.{file_id}.{ext}`); per load, the schema
 * (`{dataset}/_sluice_version/{schema}/{hash}.json`), the state
 * (`{dataset}/_sluice_pipeline_state/{pipeline}/{load_id}.json`) and last the load record
 * (`{dataset}/_sluice_loads/{load_id}.json`). A load's files count only once its record exists: read
 * tables with `WHERE _sluice_load_id IN (SELECT load_id FROM '{dataset}/_sluice_loads/*.json')`.
 * Offers append and replace; merge throws `DESTINATION_UNSUPPORTED`. `openReader` queries a dataset through an
 * in-memory DuckDB with a view per table (see `openFilesystemReader`; needs `@sluice/destination-duckdb`).
 */
export function filesystem(options: FilesystemOptions): Destination {
  const layout = options.layout ?? DEFAULT_LAYOUT
  validateLayout(layout)
  parseBucketUrl(options.bucketUrl)
  const threads =
    options.conversionThreads === undefined ? undefined : conversionThreads(options.conversionThreads)
  return {
    name: 'filesystem',
    capabilities: FILESYSTEM_CAPABILITIES,
    publicConfig: () => filesystemPublicConfig(options),
    async createClient(ctx: DestinationContext): Promise<DestinationClient> {
      return new FilesystemClient(ctx, {
        store: createStore(options),
        format: options.format ?? 'jsonl',
        gzip: options.compression === 'gzip',
        layout,
        ...(threads !== undefined ? { conversionThreads: threads } : {}),
      })
    },
    openReader: (ctx) => openFilesystemReader(options, ctx, createStore(options)),
  }
}
