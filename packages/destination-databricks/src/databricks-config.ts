import type { ConfigSection, DestinationConfigContext, DestinationPackage } from '@sluice/core/destination'
import { databricks } from './databricks-destination.ts'

/**
 * The config entry point of `@sluice/destination-databricks` (`[destination.databricks]`,
 * `DESTINATION__DATABRICKS__*`), in dlt's names. `staging = "filesystem"` loads through the bucket of
 * `[destination.filesystem]`. The camelCase options (see `DatabricksOptions`) are accepted as well.
 */
export const destination: DestinationPackage = {
  name: 'databricks',
  keys: [
    {
      key: 'credentials.server_hostname',
      description: 'workspace host',
      required: true,
      example: 'dbc-1234abcd-5678.cloud.databricks.com',
    },
    {
      key: 'credentials.http_path',
      description: 'HTTP path of the SQL warehouse (its Connection details)',
      required: true,
      example: '/sql/1.0/warehouses/1234567890abcdef',
    },
    {
      key: 'credentials.catalog',
      description: 'Unity Catalog catalog that holds the datasets',
      required: true,
      example: 'main',
    },
    {
      key: 'credentials.access_token',
      description: 'personal access token (or client_id and client_secret for OAuth)',
      secret: true,
    },
    {
      key: 'credentials.client_id',
      description: 'OAuth machine-to-machine: client id of the service principal',
    },
    {
      key: 'credentials.client_secret',
      description: 'OAuth machine-to-machine: OAuth secret of the service principal',
      secret: true,
    },
    {
      key: 'staging_volume_name',
      description:
        'volume for uploaded job files, as catalog.schema.volume (default: one in <dataset>_staging)',
    },
    {
      key: 'keep_staged_files',
      description: 'keep uploaded job files (volume or bucket) after loading',
      default: false,
    },
    {
      key: 'staging',
      description: 'load through the bucket of [destination.filesystem] instead of a volume',
      example: 'filesystem',
    },
    {
      key: 'staging_credentials_name',
      description: 'Unity Catalog storage credential COPY INTO reads the staging bucket with',
    },
    {
      key: 'is_staging_external_location',
      description: 'the staging bucket is an external location (no credential in COPY INTO)',
      default: false,
    },
    {
      key: 'replace_strategy',
      description: 'insert-from-staging, truncate-and-insert or staging-optimized (DEEP CLONE)',
      default: 'insert-from-staging',
    },
    { key: 'parallel_jobs', description: 'job files loaded at once', default: 4 },
    {
      key: 'reader_row_limit',
      description: 'rows a query through the dataset reader may return',
      default: 100000,
    },
  ],
  async fromConfig(section: ConfigSection, ctx: DestinationConfigContext) {
    const { staging, ...rest } = section
    return databricks({
      ...rest,
      ...(staging === undefined || staging === '' ? {} : { staging: await ctx.stage(String(staging)) }),
    })
  },
}
