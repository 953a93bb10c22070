import type { ConfigSection, DestinationPackage, ReplaceStrategy } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { CREDENTIALS_SETTING, type PostgresCredentialFields } from './postgres-credentials.ts'
import { postgres } from './postgres-destination.ts'

const STRATEGIES: readonly ReplaceStrategy[] = [
  'insert-from-staging',
  'truncate-and-insert',
  'staging-optimized',
]

function replaceStrategy(value: unknown): ReplaceStrategy | undefined {
  if (value === undefined || value === '') return undefined
  if (STRATEGIES.includes(value as ReplaceStrategy)) return value as ReplaceStrategy
  throw new SluiceError(
    'CONFIG_INVALID',
    `[postgres] replace_strategy ${JSON.stringify(value)} is not known`,
    {
      hint: `set DESTINATION__POSTGRES__REPLACE_STRATEGY to ${STRATEGIES.join(', ')}`,
    },
  )
}

function poolSize(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (Number.isInteger(n) && n >= 2) return n
  throw new SluiceError('CONFIG_INVALID', `[postgres] pool_size must be a whole number of 2 or more`, {
    hint: 'set DESTINATION__POSTGRES__POOL_SIZE (default 5)',
  })
}

function statementTimeout(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (Number.isInteger(n) && n >= 1) return n
  throw new SluiceError(
    'CONFIG_INVALID',
    '[postgres] reader_statement_timeout_ms must be a whole number of 1 or more',
    {
      hint: 'set DESTINATION__POSTGRES__READER_STATEMENT_TIMEOUT_MS (milliseconds, default 60000)',
    },
  )
}

/**
 * The config entry point of `@sluice/destination-postgres` (`[destination.postgres]`,
 * `DESTINATION__POSTGRES__*`): `credentials` (a URL, or a table of `host`, `port`, `username`, `password`,
 * `database`, `sslmode`, `connect_timeout`), `replace_strategy`, `pool_size`, `reader_statement_timeout_ms`.
 */
export const destination: DestinationPackage = {
  name: 'postgres',
  keys: [
    {
      key: 'credentials',
      description: 'PostgreSQL credentials (postgresql://user:password@host:5432/database)',
      secret: true,
      required: true,
      example: 'postgresql://loader:password@localhost:5432/analytics',
    },
    {
      key: 'replace_strategy',
      description:
        'replace strategy of tables that set none: insert-from-staging, truncate-and-insert or staging-optimized',
      default: 'insert-from-staging',
    },
    {
      key: 'pool_size',
      description:
        'connections per run: one holds the dataset lock, up to pool_size - 2 load jobs run at once',
      default: 5,
    },
    {
      key: 'reader_statement_timeout_ms',
      description: 'statement timeout of queries through the reader (sluice pipeline NAME query), in ms',
      default: 60000,
    },
  ],
  fromConfig(section: ConfigSection) {
    const credentials = section['credentials']
    if (typeof credentials !== 'string' && (typeof credentials !== 'object' || credentials === null)) {
      throw new SluiceError('CONFIG_MISSING', '[postgres] the credentials are missing', {
        hint: `set ${CREDENTIALS_SETTING}`,
      })
    }
    const strategy = replaceStrategy(section['replace_strategy'])
    const pool = poolSize(section['pool_size'])
    const timeout = statementTimeout(section['reader_statement_timeout_ms'])
    return postgres({
      credentials: credentials as string | PostgresCredentialFields,
      ...(strategy ? { replaceStrategy: strategy } : {}),
      ...(pool ? { poolSize: pool } : {}),
      ...(timeout ? { reader: { statementTimeoutMs: timeout } } : {}),
    })
  },
}
