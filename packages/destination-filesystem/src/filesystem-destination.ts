import type {
  Destination,
  DestinationCapabilities,
  DestinationClient,
  DestinationContext,
} from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { type AzureAuth, azureStore } from './azure-store.ts'
import { FilesystemClient } from './filesystem-client.ts'
import { duckdbInstalled } from './filesystem-duckdb-parquet.ts'
import { DEFAULT_LAYOUT, validateLayout } from './filesystem-layout.ts'
import {
  conversionThreads,
  type FilesystemCredentials,
  type FilesystemOptions,
  filesystemPublicConfig,
  parseBucketUrl,
} from './filesystem-options.ts'
import { openFilesystemReader } from './filesystem-reader.ts'
import type { FileStore } from './filesystem-store.ts'
import { gcsStore } from './gcs-store.ts'
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
 * The {@link FileStore} a bucket URL names: a local folder, an S3 bucket (client from `options.s3Client` or built
 * from `options.credentials`), a GCS bucket (JSON API with a service account; through the S3 interoperability
 * when `credentials` has HMAC keys) or an Azure container (account key, SAS token, connection string or service
 * principal).
 */
export function createStore(options: FilesystemOptions): FileStore {
  const bucket = parseBucketUrl(options.bucketUrl)
  if (bucket.kind === 'local') return localStore(bucket.path)
  const c = options.credentials ?? {}
  const parts = {
    ...(options.multipartThreshold ? { multipartThreshold: options.multipartThreshold } : {}),
    ...(options.partSize ? { partSize: options.partSize } : {}),
    ...(options.uploadConcurrency ? { uploadConcurrency: options.uploadConcurrency } : {}),
  }
  if (bucket.kind === 'azure') {
    return azureStore({
      container: bucket.container,
      prefix: bucket.prefix,
      urlBase: bucket.urlBase,
      auth: azureAuth(c),
      ...((c.azureStorageAccountName ?? bucket.accountName)
        ? { accountName: c.azureStorageAccountName ?? bucket.accountName }
        : {}),
      ...(c.endpointUrl ? { endpointUrl: c.endpointUrl } : {}),
      ...parts,
    })
  }
  const gcs = bucket.scheme === 'gs'
  if (gcs && !c.awsAccessKeyId && !options.s3Client) {
    const { uploadConcurrency: _, ...chunks } = parts
    return gcsStore({
      bucket: bucket.bucket,
      prefix: bucket.prefix,
      ...(c.clientEmail && c.privateKey
        ? {
            serviceAccount: {
              clientEmail: c.clientEmail,
              privateKey: c.privateKey,
              ...(c.projectId ? { projectId: c.projectId } : {}),
              ...(c.tokenUri ? { tokenUri: c.tokenUri } : {}),
            },
          }
        : {}),
      ...(c.keyFile ? { keyFile: c.keyFile } : {}),
      ...(c.endpointUrl ? { apiEndpoint: c.endpointUrl } : {}),
      ...chunks,
    })
  }
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
    ...parts,
  })
}

/** How an Azure container is signed in to, from the credentials given (connection string, key, SAS, principal). */
function azureAuth(c: FilesystemCredentials): AzureAuth {
  if (c.azureStorageConnectionString)
    return { kind: 'connection-string', connectionString: c.azureStorageConnectionString }
  if (c.azureStorageAccountKey) return { kind: 'key', accountKey: c.azureStorageAccountKey }
  if (c.azureStorageSasToken) return { kind: 'sas', sasToken: c.azureStorageSasToken }
  if (c.azureTenantId && c.azureClientId && c.azureClientSecret)
    return {
      kind: 'service-principal',
      tenantId: c.azureTenantId,
      clientId: c.azureClientId,
      clientSecret: c.azureClientSecret,
    }
  throw new SluiceError('CONFIG_MISSING', 'an Azure bucket URL needs credentials', {
    hint: 'set DESTINATION__FILESYSTEM__CREDENTIALS__AZURE_STORAGE_ACCOUNT_NAME and __AZURE_STORAGE_ACCOUNT_KEY (or __AZURE_STORAGE_SAS_TOKEN, __AZURE_STORAGE_CONNECTION_STRING, or __AZURE_TENANT_ID, __AZURE_CLIENT_ID and __AZURE_CLIENT_SECRET)',
  })
}

/**
 * The filesystem destination: tables as data files in a local folder, an S3-compatible or GCS bucket or an
 * Azure container.
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
    // parquet written by DuckDB from csv job files: core writes csv straight from the parsed rows, jsonl costs
    // more CPU to write and to read (1M Clockodo entries: see apps/bench/README.md, fix 28)
    capabilities:
      options.format === 'parquet' && duckdbInstalled()
        ? { ...FILESYSTEM_CAPABILITIES, fileFormats: ['csv', 'jsonl', 'parquet'] }
        : FILESYSTEM_CAPABILITIES,
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
