import type { ConfigSection, DestinationConfigContext, DestinationPackage } from '@sluice/core/destination'
import { snowflake } from './snowflake-destination.ts'

/**
 * The config entry point of `@sluice/destination-snowflake` (`[destination.snowflake]`,
 * `DESTINATION__SNOWFLAKE__*`), in dlt's names. `staging = "filesystem"` loads through the bucket of
 * `[destination.filesystem]`. The camelCase options and top-level `account`, `user` ... are accepted as well.
 */
export const destination: DestinationPackage = {
  name: 'snowflake',
  keys: [
    {
      key: 'credentials',
      description:
        'a URL snowflake://user:password@account/database?warehouse=...&role=..., or the table below',
      secret: true,
    },
    { key: 'credentials.host', description: 'account identifier', example: 'myorg-myaccount' },
    { key: 'credentials.username', description: 'user', example: 'LOADER' },
    { key: 'credentials.password', description: 'password (or a private key)', secret: true },
    { key: 'credentials.private_key', description: 'PEM private key (key-pair login)', secret: true },
    { key: 'credentials.private_key_path', description: 'path of a PEM private key file' },
    { key: 'credentials.private_key_passphrase', description: 'passphrase of the private key', secret: true },
    { key: 'credentials.database', description: 'database that holds the datasets', example: 'ANALYTICS' },
    { key: 'credentials.warehouse', description: "virtual warehouse (default the user's)" },
    { key: 'credentials.role', description: "role (default the user's)" },
    {
      key: 'reader_role',
      description:
        'role of queries through the reader (sluice pipeline NAME query); one with SELECT grants only makes Snowflake refuse writes (default: role)',
      example: 'REPORTER',
    },
    { key: 'stage_name', description: 'named stage job files are PUT into (default each table stage)' },
    { key: 'parallel_jobs', description: 'jobs loaded at once', default: 4 },
    {
      key: 'replace_strategy',
      description: 'insert-from-staging, truncate-and-insert or staging-optimized (CLONE)',
      default: 'insert-from-staging',
    },
    {
      key: 'staging',
      description: 'load through the bucket of [destination.filesystem] (default: PUT into a stage)',
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
    return snowflake({
      ...rest,
      ...(staging === undefined || staging === '' ? {} : { staging: await ctx.stage(String(staging)) }),
    })
  },
}
