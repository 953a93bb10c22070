import type { ConfigSection, DestinationConfigContext, DestinationPackage } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { CREDENTIALS_SETTING, type RedshiftCredentialFields } from './redshift-credentials.ts'
import { type RedshiftOptions, redshift } from './redshift-destination.ts'

function text(section: ConfigSection, key: string): string | undefined {
  const value = section[key]
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') {
    throw new SluiceError('CONFIG_INVALID', `[redshift] ${key} must be text`, {
      hint: `set DESTINATION__REDSHIFT__${key.toUpperCase()} (or ${key} in [destination.redshift])`,
    })
  }
  return value
}

function bool(section: ConfigSection, key: string): boolean | undefined {
  const value = section[key]
  if (value === undefined || value === '') return undefined
  if (value === true || value === 'true') return true
  if (value === false || value === 'false') return false
  throw new SluiceError('CONFIG_INVALID', `[redshift] ${key} must be true or false`, {
    hint: `set DESTINATION__REDSHIFT__${key.toUpperCase()} to true or false`,
  })
}

function poolSize(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (Number.isInteger(n) && n >= 2) return n
  throw new SluiceError('CONFIG_INVALID', '[redshift] pool_size must be a whole number of 2 or more', {
    hint: 'set DESTINATION__REDSHIFT__POOL_SIZE (default 3)',
  })
}

function replaceStrategy(value: string | undefined): RedshiftOptions['replaceStrategy'] {
  if (value === undefined || value === 'insert-from-staging' || value === 'truncate-and-insert') return value
  throw new SluiceError(
    'CONFIG_INVALID',
    `[redshift] replace_strategy ${JSON.stringify(value)} is not known`,
    {
      hint: 'set DESTINATION__REDSHIFT__REPLACE_STRATEGY to insert-from-staging or truncate-and-insert',
    },
  )
}

/**
 * The config entry point of `@sluice/destination-redshift` (`[destination.redshift]`, `DESTINATION__REDSHIFT__*`),
 * in dlt's names: `credentials` (a URL, or the table `[destination.redshift.credentials]` with `host`, `port`,
 * `database`, `username`, `password`), `staging = "filesystem"` with `staging_iam_role` (or the bucket's keys in
 * `[destination.filesystem.credentials]`), `keep_staged_files`, `replace_strategy`, `pool_size`.
 */
export const destination: DestinationPackage = {
  name: 'redshift',
  keys: [
    {
      key: 'credentials',
      description: 'a URL redshift://user:password@host:5439/database, or the table below',
      secret: true,
      example: 'redshift://loader:password@cluster.abc123.eu-central-1.redshift.amazonaws.com:5439/analytics',
    },
    {
      key: 'credentials.host',
      description: 'cluster or workgroup endpoint',
      example: 'cluster.abc123.eu-central-1.redshift.amazonaws.com',
    },
    { key: 'credentials.port', description: 'port', default: 5439 },
    { key: 'credentials.database', description: 'database that holds the datasets', example: 'analytics' },
    { key: 'credentials.username', description: 'user', example: 'loader' },
    { key: 'credentials.password', description: 'password', secret: true },
    {
      key: 'credentials.sslmode',
      description: 'TLS: require (encrypted), verify-full (and the certificate checked) or disable',
      default: 'require',
    },
    {
      key: 'staging',
      description:
        'load with COPY from the S3 bucket of [destination.filesystem] (default: INSERT statements)',
      example: 'filesystem',
    },
    {
      key: 'staging_iam_role',
      description: 'IAM role ARN COPY assumes to read the staging bucket (default: the bucket keys)',
      example: 'arn:aws:iam::123456789012:role/redshift-loader',
    },
    { key: 'staging_region', description: "the staging bucket's region, when not the cluster's" },
    {
      key: 'keep_staged_files',
      description: 'keep files in the staging bucket after loading',
      default: false,
    },
    {
      key: 'replace_strategy',
      description: 'replace strategy of tables that set none: insert-from-staging or truncate-and-insert',
      default: 'insert-from-staging',
    },
    {
      key: 'pool_size',
      description: 'connections per run (pool_size - 1 job files load at once)',
      default: 3,
    },
  ],
  async fromConfig(section: ConfigSection, ctx: DestinationConfigContext) {
    const credentials = section['credentials']
    if (typeof credentials !== 'string' && (typeof credentials !== 'object' || credentials === null)) {
      throw new SluiceError('CONFIG_MISSING', '[redshift] the credentials are missing', {
        hint: `set ${CREDENTIALS_SETTING}`,
      })
    }
    const staging = text(section, 'staging')
    const iamRole = text(section, 'staging_iam_role')
    const region = text(section, 'staging_region')
    const keep = bool(section, 'keep_staged_files')
    const strategy = replaceStrategy(text(section, 'replace_strategy'))
    const pool = poolSize(section['pool_size'])
    return redshift({
      credentials: credentials as string | RedshiftCredentialFields,
      ...(staging ? { staging: await ctx.stage(staging) } : {}),
      ...(iamRole ? { stagingIamRole: iamRole } : {}),
      ...(region ? { stagingRegion: region } : {}),
      ...(keep !== undefined ? { keepStagedFiles: keep } : {}),
      ...(strategy ? { replaceStrategy: strategy } : {}),
      ...(pool ? { poolSize: pool } : {}),
    })
  },
}
