import type { ConfigSection, DestinationPackage } from '@sluice/core/destination'
import { filesystem } from './filesystem-destination.ts'
import { parseFilesystemConfig } from './filesystem-options.ts'
import { filesystemStaging } from './filesystem-staging.ts'

/**
 * The config entry point of `@sluice/destination-filesystem` (`[destination.filesystem]`,
 * `DESTINATION__FILESYSTEM__*`, dlt's names; see `parseFilesystemConfig`). It is also the stage of warehouses
 * whose section says `staging = "filesystem"`: gzip jsonl files under the bucket URL (a folder, s3://, gs://, az://).
 */
export const destination: DestinationPackage = {
  name: 'filesystem',
  keys: [
    {
      key: 'bucket_url',
      description:
        'the filesystem bucket URL (a folder path, file:///path, s3://, gs:// or az://bucket/prefix)',
      required: true,
      example: 'file:///var/data/lake',
    },
    { key: 'format', description: 'jsonl, parquet or csv', default: 'jsonl', example: 'parquet' },
    { key: 'compression', description: 'gzip compresses jsonl and csv files', default: 'none' },
    {
      key: 'layout',
      description: 'where data files go',
      default: '{dataset}/{table}/{load_id}.{file_id}.{ext}',
    },
    {
      key: 'conversion_threads',
      description: 'worker threads converting to parquet or csv (0: none; default one per core, at most 4)',
      example: 2,
    },
    {
      key: 'multipart_threshold',
      description: 'files larger than this (bytes) go up to a bucket in parts',
      default: 16777216,
    },
    { key: 'part_size', description: 'bytes per part (S3: at least 5 MiB)', default: 8388608 },
    { key: 'upload_concurrency', description: 'parts of one file uploaded at once', default: 4 },
    { key: 'credentials.aws_access_key_id', description: 'S3 access key id (GCS: HMAC key)', secret: true },
    { key: 'credentials.aws_secret_access_key', description: 'S3 secret access key', secret: true },
    { key: 'credentials.aws_session_token', description: 'S3 session token', secret: true },
    {
      key: 'credentials.endpoint_url',
      description: 'S3-compatible endpoint (MinIO, R2 ...), GCS JSON API or Azure Blob service URL',
      example: 'http://127.0.0.1:9000',
    },
    { key: 'credentials.region', description: 'S3 region', default: 'us-east-1', example: 'eu-central-1' },
    { key: 'credentials.project_id', description: 'GCS: the service account project', example: 'my-project' },
    {
      key: 'credentials.client_email',
      description: 'GCS: the service account e-mail',
      example: 'loader@my-project.iam.gserviceaccount.com',
    },
    {
      key: 'credentials.private_key',
      description: 'GCS: the service account private key (PEM)',
      secret: true,
    },
    {
      key: 'credentials.key_file',
      description: 'GCS: a service-account key file instead (default GOOGLE_APPLICATION_CREDENTIALS)',
    },
    {
      key: 'credentials.azure_storage_account_name',
      description: 'Azure: the storage account',
      example: 'mylake',
    },
    { key: 'credentials.azure_storage_account_key', description: 'Azure: the account key', secret: true },
    {
      key: 'credentials.azure_storage_sas_token',
      description: 'Azure: a SAS token (read, write, delete, list)',
      secret: true,
    },
    {
      key: 'credentials.azure_storage_connection_string',
      description: 'Azure: a connection string instead',
      secret: true,
    },
    {
      key: 'credentials.azure_tenant_id',
      description: 'Azure service principal: tenant id (needs @azure/identity)',
    },
    { key: 'credentials.azure_client_id', description: 'Azure service principal: client id' },
    {
      key: 'credentials.azure_client_secret',
      description: 'Azure service principal: client secret',
      secret: true,
    },
  ],
  fromConfig: (section: ConfigSection) => filesystem(parseFilesystemConfig(section)),
  stageFromConfig: (section: ConfigSection) =>
    filesystemStaging({ ...parseFilesystemConfig(section), format: 'jsonl', compression: 'gzip' }),
}
