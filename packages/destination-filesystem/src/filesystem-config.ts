import type { ConfigSection, DestinationPackage } from '@sluice/core/destination'
import { filesystem } from './filesystem-destination.ts'
import { parseFilesystemConfig } from './filesystem-options.ts'
import { filesystemStaging } from './filesystem-staging.ts'

/**
 * The config entry point of `@sluice/destination-filesystem` (`[destination.filesystem]`,
 * `DESTINATION__FILESYSTEM__*`, dlt's names; see `parseFilesystemConfig`). It is also the stage of warehouses
 * whose section says `staging = "filesystem"`: gzip jsonl files under the bucket URL.
 */
export const destination: DestinationPackage = {
  name: 'filesystem',
  keys: [
    {
      key: 'bucket_url',
      description: 'the filesystem bucket URL (a folder path, file:///path or s3://bucket/prefix)',
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
    { key: 'credentials.aws_access_key_id', description: 'S3 access key id', secret: true },
    { key: 'credentials.aws_secret_access_key', description: 'S3 secret access key', secret: true },
    { key: 'credentials.aws_session_token', description: 'S3 session token', secret: true },
    {
      key: 'credentials.endpoint_url',
      description: 'S3-compatible endpoint (MinIO, R2 ...)',
      example: 'http://127.0.0.1:9000',
    },
    { key: 'credentials.region', description: 'S3 region', default: 'us-east-1', example: 'eu-central-1' },
  ],
  fromConfig: (section: ConfigSection) => filesystem(parseFilesystemConfig(section)),
  stageFromConfig: (section: ConfigSection) =>
    filesystemStaging({ ...parseFilesystemConfig(section), format: 'jsonl', compression: 'gzip' }),
}
