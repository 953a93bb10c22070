import { SluiceError } from '@sluice/core/destination'
import type { PoolConfig } from 'pg'
import type { PostgresConnectionParams } from './postgres-credentials.ts'

/** Imports the `pg` driver (a peer dependency), or says how to install it. */
export async function loadDriver(): Promise<typeof import('pg')> {
  try {
    const mod = (await import('pg')) as typeof import('pg') & { default?: typeof import('pg') }
    return mod.default ?? mod
  } catch (cause) {
    throw new SluiceError('CONFIG_MISSING', '[postgres] the PostgreSQL driver "pg" is not installed', {
      cause,
      hint: 'install it next to @sluice/destination-postgres: `npm install pg`',
    })
  }
}

/** The pool settings of a connection (without type parsers): `max` connections, the connect timeout. */
export function poolConfig(
  params: PostgresConnectionParams,
  max: number,
  connectTimeoutMs?: number,
): PoolConfig {
  return {
    host: params.host,
    port: params.port,
    user: params.user,
    password: params.password,
    database: params.database,
    ssl: params.ssl === false ? false : { ...params.ssl, ca: params.ssl.ca as string | string[] | undefined },
    max,
    connectionTimeoutMillis: connectTimeoutMs ?? params.connectTimeoutMs ?? 15_000,
    idleTimeoutMillis: 30_000,
    application_name: params.applicationName,
  }
}
