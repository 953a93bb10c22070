import type { ReplaceStrategy, Stage, StageCredentials } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'

/** Where users set the credentials, named in every configuration error. */
export const SNOWFLAKE_CREDENTIALS_SETTING =
  'DESTINATION__SNOWFLAKE__CREDENTIALS__* (or [destination.snowflake.credentials] in .sluice/secrets.toml)'

/**
 * Options of {@link snowflake}: camelCase fields, or dlt's `[destination.snowflake]` section as the CLI passes
 * it (`credentials` = `snowflake://user:password@account/database?warehouse=..&role=..` or a table with
 * `username`/`user`, `password`, `host`/`account`, `database`, `warehouse`, `role`, `private_key`,
 * `private_key_path`, `private_key_passphrase`, `authenticator`). Top-level keys override `credentials`.
 */
export interface SnowflakeOptions {
  /** Account identifier, e.g. `myorg-myaccount` or `xy12345.eu-central-1`. dlt calls it `host`. */
  account?: string
  user?: string
  /** Secret: never logged. Required unless a private key is given. */
  password?: string
  /** PEM private key (key-pair authentication). Secret. */
  privateKey?: string
  /** Path of a PEM private key file (key-pair authentication). */
  privateKeyPath?: string
  /** Passphrase of an encrypted private key. Secret. */
  privateKeyPassphrase?: string
  /** Snowflake authenticator. Default `SNOWFLAKE` (password) or `SNOWFLAKE_JWT` with a private key. */
  authenticator?: string
  /** Database that holds the dataset schemas. Required. */
  database?: string
  /** Virtual warehouse that runs the COPY and DML. Default the user's default warehouse. */
  warehouse?: string
  /** Role to use. Default the user's default role. */
  role?: string
  /**
   * Role of the reader's sessions (`openReader`), e.g. one granted only USAGE and SELECT on the datasets: then
   * Snowflake itself refuses every write. Default `role`. dlt-style: `reader_role`.
   */
  readerRole?: string
  /**
   * Named stage (e.g. `MY_STAGE` or `DB.SCHEMA.MY_STAGE`) job files are PUT into. Default each staging
   * table's own table stage (`@%TABLE`). dlt calls it `stage_name`.
   */
  stage?: string
  /**
   * A staging bucket job files are uploaded to before COPY INTO reads them (dlt's `staging = "filesystem"`):
   * a stage such as `filesystemStaging({ bucketUrl: 's3://bucket/prefix', credentials })` from
   * `@sluice/destination-filesystem`. `s3://` is read by URL with the bucket's keys in `CREDENTIALS`; other
   * buckets need `stage` = an external stage on the bucket root. From the CLI: `staging = "filesystem"` and the
   * bucket in `[destination.filesystem]`. Default none: job files are PUT into an internal stage.
   */
  staging?: Stage
  /** Keys for an `s3://` staging bucket, passed in COPY INTO's CREDENTIALS. Default the stage's. Secret. */
  stagingCredentials?: StageCredentials
  /** Keep staged bucket files after loading (dlt: `keep_staged_files`). Default false. */
  keepStagedFiles?: boolean
  /** Server URL instead of `https://<account>.snowflakecomputing.com` (private link, tests). */
  accessUrl?: string
  /**
   * Replace strategy for tables that do not set one. Default `insert-from-staging` (empty + insert in the publish
   * transaction). `staging-optimized` replaces each table by a zero-copy CLONE of its staging table (DDL: not
   * atomic with the rest of the publish). dlt: `replace_strategy`.
   */
  replaceStrategy?: ReplaceStrategy
  /** Jobs loaded at once (each one PUT + COPY INTO). Default 4. */
  parallelJobs?: number
  /** dlt-shaped credentials (see the interface's description). */
  credentials?: string | Record<string, unknown>
  /** Any other dlt keys (snake_case) are read as well. */
  [key: string]: unknown
}

/** Validated connection settings. `password`, `privateKey` and `privateKeyPassphrase` are secrets. */
export interface SnowflakeConnectionParams {
  account: string
  user: string
  password: string | undefined
  privateKey: string | undefined
  privateKeyPath: string | undefined
  privateKeyPassphrase: string | undefined
  authenticator: string
  database: string
  warehouse: string | undefined
  role: string | undefined
  /** The reader's role; undefined: `role`. */
  readerRole: string | undefined
  stage: string | undefined
  accessUrl: string | undefined
  parallelJobs: number
  staging: Stage | undefined
  stagingCredentials: StageCredentials | undefined
  keepStagedFiles: boolean
}

function invalid(problem: string): SluiceError {
  return new SluiceError('CONFIG_INVALID', `[snowflake] invalid configuration: ${problem}`, {
    hint: `set ${SNOWFLAKE_CREDENTIALS_SETTING}: account, user, password (or private_key_path), database, warehouse, role`,
  })
}

function str(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

/** Parses `snowflake://user:password@account/database[/schema]?warehouse=..&role=..`. */
function parseUrl(url: string): Record<string, unknown> {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw invalid('credentials is not a snowflake://user:password@account/database URL')
  }
  if (u.protocol !== 'snowflake:')
    throw invalid(`credentials URL scheme must be snowflake:, not ${u.protocol}`)
  const out: Record<string, unknown> = {
    username: decodeURIComponent(u.username),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    host: u.hostname,
    database: decodeURIComponent(u.pathname.replace(/^\//, '').split('/')[0] ?? ''),
  }
  for (const [k, v] of u.searchParams) out[k] = v
  return out
}

function pick(sources: readonly Record<string, unknown>[], ...keys: string[]): string | undefined {
  for (const s of sources) {
    for (const k of keys) {
      const v = str(s[k])
      if (v !== undefined) return v
    }
  }
  return undefined
}

/**
 * Validates options (camelCase or dlt snake_case, top level or under `credentials`). Throws
 * `SluiceError('CONFIG_INVALID')` naming the missing setting; never includes secrets in messages.
 */
export function parseSnowflakeOptions(options: SnowflakeOptions): SnowflakeConnectionParams {
  const creds =
    typeof options.credentials === 'string'
      ? parseUrl(options.credentials)
      : typeof options.credentials === 'object' && options.credentials !== null
        ? options.credentials
        : {}
  const sources = [options as Record<string, unknown>, creds]
  const account = pick(sources, 'account', 'host')
  const user = pick(sources, 'user', 'username')
  const password = pick(sources, 'password')
  const privateKey = pick(sources, 'privateKey', 'private_key')
  const privateKeyPath = pick(sources, 'privateKeyPath', 'private_key_path')
  const privateKeyPassphrase = pick(sources, 'privateKeyPassphrase', 'private_key_passphrase')
  const database = pick(sources, 'database')
  if (!account) throw invalid('account is missing (dlt: credentials.host)')
  if (!user) throw invalid('user is missing (dlt: credentials.username)')
  if (!database) throw invalid('database is missing')
  if (!password && !privateKey && !privateKeyPath) {
    throw invalid('give a password, or private_key / private_key_path for key-pair authentication')
  }
  const parallel = Number(pick(sources, 'parallelJobs', 'parallel_jobs') ?? 4)
  if (!Number.isInteger(parallel) || parallel < 1) throw invalid('parallel_jobs must be a positive integer')
  return {
    account,
    user,
    password,
    privateKey,
    privateKeyPath,
    privateKeyPassphrase,
    authenticator:
      pick(sources, 'authenticator') ?? (privateKey || privateKeyPath ? 'SNOWFLAKE_JWT' : 'SNOWFLAKE'),
    database,
    warehouse: pick(sources, 'warehouse'),
    role: pick(sources, 'role'),
    readerRole: pick(sources, 'readerRole', 'reader_role'),
    stage: pick(sources, 'stage', 'stage_name', 'stageName'),
    accessUrl: pick(sources, 'accessUrl', 'access_url'),
    parallelJobs: parallel,
    staging: stageOf(options.staging),
    stagingCredentials: options.stagingCredentials,
    keepStagedFiles: ['true', '1'].includes(
      String(pick(sources, 'keepStagedFiles', 'keep_staged_files') ?? '').toLowerCase(),
    ),
  }
}

function stageOf(value: unknown): Stage | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof (value as Stage).stageJob === 'function' && typeof (value as Stage).rootUrl === 'string')
    return value as Stage
  throw invalid(
    'staging must be a stage such as filesystemStaging({ bucketUrl: "s3://bucket/prefix" }) from @sluice/destination-filesystem (from the CLI: staging = "filesystem" and the bucket in [destination.filesystem])',
  )
}

/** Where the data lives, without secrets: `snowflake://user@account/database`. */
export function snowflakeLocation(params: SnowflakeConnectionParams): string {
  return `snowflake://${encodeURIComponent(params.user)}@${params.account}/${params.database}`
}
