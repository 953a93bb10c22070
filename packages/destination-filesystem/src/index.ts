export { type AzureAuth, type AzureStoreOptions, azureStore } from './azure-store.ts'
export {
  compareLoadIds,
  FilesystemClient,
  type FilesystemClientConfig,
  type LoadRecord,
} from './filesystem-client.ts'
export { destination } from './filesystem-config.ts'
export { createStore, FILESYSTEM_CAPABILITIES, filesystem } from './filesystem-destination.ts'
export { duckdbColumns, duckdbType } from './filesystem-duckdb.ts'
export { type ConvertedJobFile, convertJobFile } from './filesystem-job.ts'
export { DEFAULT_LAYOUT, safeSegment, tableFilePattern } from './filesystem-layout.ts'
export {
  type FilesystemCredentials,
  type FilesystemFormat,
  type FilesystemOptions,
  type ParsedBucket,
  parseBucketUrl,
  parseFilesystemConfig,
} from './filesystem-options.ts'
export { parquetElement } from './filesystem-parquet.ts'
export { type FilesystemStaging, filesystemStaging } from './filesystem-staging.ts'
export type { FileBody, FileStore } from './filesystem-store.ts'
export { type GcsServiceAccount, type GcsStoreOptions, gcsStore } from './gcs-store.ts'
export { localStore } from './local-store.ts'
export { type S3StoreOptions, s3Store } from './s3-store.ts'
