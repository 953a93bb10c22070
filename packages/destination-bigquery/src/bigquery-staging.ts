import { SluiceError } from '@sluice/core/destination'
import type { FilesystemStaging } from '@sluice/destination-filesystem'

/** A resolved GCS staging bucket: where job files go before load jobs read them. */
export interface BigQueryStaging {
  staging: FilesystemStaging
  /** Root URL of the bucket, `gs://bucket/prefix`. */
  rootUrl: string
  /** Keep staged files after loading. Default false. */
  keep: boolean
}

/**
 * The `staging` option: a {@link FilesystemStaging} from `@sluice/destination-filesystem`, a `gs://` URL, or
 * dlt's `[destination.filesystem]` section (`bucket_url`, `credentials` with the bucket's HMAC keys).
 */
export type BigQueryStagingOption = FilesystemStaging | string | Record<string, unknown>

function isStaging(value: unknown): value is FilesystemStaging {
  return typeof (value as FilesystemStaging | undefined)?.stageJob === 'function'
}

/**
 * Resolves the staging option (importing `@sluice/destination-filesystem` for a URL or a config section).
 * Throws `CONFIG_INVALID` unless the bucket is on GCS: load jobs read only `gs://` URIs.
 */
export async function resolveStaging(
  option: BigQueryStagingOption | undefined,
  keep = false,
): Promise<BigQueryStaging | undefined> {
  if (option === undefined || option === null || option === '') return undefined
  let staging: FilesystemStaging
  if (isStaging(option)) staging = option
  else {
    let fs: typeof import('@sluice/destination-filesystem')
    try {
      fs = await import('@sluice/destination-filesystem')
    } catch (cause) {
      throw new SluiceError(
        'CONFIG_INVALID',
        '[bigquery] a staging bucket needs @sluice/destination-filesystem',
        {
          cause,
          hint: 'npm install @sluice/destination-filesystem @aws-sdk/client-s3 (GCS through its S3 interoperability, HMAC keys)',
        },
      )
    }
    const config = typeof option === 'string' ? { bucket_url: option } : option
    staging = fs.filesystemStaging({
      ...fs.parseFilesystemConfig(config),
      format: 'jsonl',
      compression: 'gzip',
    })
  }
  const rootUrl = staging.store.rootUrl
  if (!rootUrl.startsWith('gs://')) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `[bigquery] load jobs cannot read ${rootUrl.split(':')[0]}:// staging files`,
      {
        hint: 'use a gs://bucket/prefix staging bucket (or no staging: job files are uploaded with the load job)',
      },
    )
  }
  return { staging, rootUrl, keep }
}
