import type { ConfigSection, DestinationConfigContext, DestinationPackage } from '@sluice/core/destination'
import { bigquery } from './bigquery-destination.ts'

/**
 * The config entry point of `@sluice/destination-bigquery` (`[destination.bigquery]`, `DESTINATION__BIGQUERY__*`),
 * in dlt's names. `staging = "filesystem"` loads through the bucket of `[destination.filesystem]`. Options the
 * library also reads in camelCase (see `BigQueryOptions`) are accepted as well.
 */
export const destination: DestinationPackage = {
  name: 'bigquery',
  keys: [
    {
      key: 'credentials',
      description: 'service-account key: the path of its JSON file, its JSON text, or the table below',
      secret: true,
    },
    {
      key: 'credentials.project_id',
      description: 'project that runs the jobs and holds the datasets',
      example: 'my-project',
    },
    {
      key: 'credentials.client_email',
      description: 'the service account',
      example: 'loader@my-project.iam.gserviceaccount.com',
    },
    {
      key: 'credentials.private_key',
      description: 'its private key (PEM)',
      secret: true,
      example: '-----BEGIN PRIVATE KEY-----\n...',
    },
    {
      key: 'credentials.access_token',
      description: 'a ready OAuth access token instead of a key',
      secret: true,
    },
    { key: 'project_id', description: "project (default the key's project_id)" },
    { key: 'location', description: 'location of datasets and jobs', default: 'US', example: 'EU' },
    { key: 'api_endpoint', description: 'API root instead of https://bigquery.googleapis.com' },
    { key: 'parallel_jobs', description: 'load jobs at once', default: 4 },
    {
      key: 'replace_strategy',
      description: 'insert-from-staging, truncate-and-insert or staging-optimized (CLONE)',
      default: 'insert-from-staging',
    },
    {
      key: 'staging',
      description: 'load through the GCS bucket of [destination.filesystem] (default: no bucket)',
      example: 'filesystem',
    },
    {
      key: 'keep_staged_files',
      description: 'keep files in the staging bucket after loading',
      default: false,
    },
  ],
  async fromConfig(section: ConfigSection, ctx: DestinationConfigContext) {
    const { staging, ...rest } = section
    return bigquery({
      ...rest,
      ...(staging === undefined || staging === '' ? {} : { staging: await ctx.stage(String(staging)) }),
    })
  },
}
