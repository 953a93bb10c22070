import type { ReplaceStrategy, Stage } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { quoteDatabricksObjectName } from './databricks-dialect.ts'

/** Where users set the credentials, named in every configuration error. */
export const DATABRICKS_CREDENTIALS_SETTING =
  'DESTINATION__DATABRICKS__CREDENTIALS__* (or [destination.databricks.credentials] in .sluice/secrets.toml)'

/** Tuning of the HTTP client (for slow networks and tests); every member has a default. */
export interface DatabricksHttpOptions {
  /** Attempts for a request Databricks refused with 429 or 503 (and, where repeating is safe, 5xx or a network error). Default 6. */
  attempts?: number
  /** First delay between attempts, doubled each time up to 10 s; a `Retry-After` header wins. Default 500 ms. */
  backoffMs?: number
  /** First delay between polls of a running statement, doubled each time up to 5 s. Default 250 ms. */
  pollMs?: number
  /** How long a statement request waits for the result before polling (`wait_timeout`, 5-50 s). Default 10 s. */
  waitSeconds?: number
  /** The fetch to use instead of the global one. */
  fetch?: typeof fetch
}

/**
 * Options of {@link databricks}: camelCase fields, or dlt's `[destination.databricks]` section as the CLI passes it
 * (`credentials` = a table with `server_hostname`, `http_path`, `catalog`, `access_token` or `client_id` and
 * `client_secret`; top-level keys in snake_case). Top-level keys win over `credentials`.
 */
export interface DatabricksOptions {
  /** Workspace host, e.g. `dbc-1234abcd-5678.cloud.databricks.com` (dlt: `server_hostname`). Required. */
  serverHostname?: string
  /** HTTP path of a SQL warehouse, e.g. `/sql/1.0/warehouses/1234567890abcdef` (dlt: `http_path`). */
  httpPath?: string
  /** The SQL warehouse id, instead of `httpPath`. */
  warehouseId?: string
  /** Unity Catalog catalog that holds the datasets (schemas). Required. */
  catalog?: string
  /** Personal access token. Secret: never logged. */
  accessToken?: string
  /** OAuth machine-to-machine: the service principal's client (application) id. */
  clientId?: string
  /** OAuth machine-to-machine: its OAuth secret. Secret. */
  clientSecret?: string
  /**
   * Volume job files are uploaded to before `COPY INTO` reads them, as `catalog.schema.volume` (dlt:
   * `staging_volume_name`); it must exist. Default `_sluice_staging` in each dataset's `<dataset>_staging` schema,
   * created when first needed.
   */
  stagingVolumeName?: string
  /** Keep uploaded files (volume or staging bucket) after they loaded (dlt: `keep_staged_files`). Default false. */
  keepStagedFiles?: boolean
  /**
   * A staging bucket job files are uploaded to instead of the volume (dlt's `staging = "filesystem"`): a stage such
   * as `filesystemStaging({ bucketUrl: 's3://bucket/prefix', credentials })` from `@sluice/destination-filesystem`.
   * `COPY INTO` reads it with `stagingCredentialsName`, or as an external location, or (`s3://` only) with the
   * bucket's keys inline. Default none.
   */
  staging?: Stage
  /** Named Unity Catalog credential `COPY INTO` reads the staging bucket with (dlt: `staging_credentials_name`). */
  stagingCredentialsName?: string
  /** The staging bucket is a Unity Catalog external location: no credential in `COPY INTO`. Default false. */
  isStagingExternalLocation?: boolean
  /** Replace strategy for tables that set none. Default `insert-from-staging` (dlt: `replace_strategy`). */
  replaceStrategy?: ReplaceStrategy
  /** Job files loaded at once (each one upload plus one `COPY INTO`). Default 4. */
  parallelJobs?: number
  /** Rows a reader query may return (`row_limit`); a larger result fails with what to do. Default 100000. */
  readerRowLimit?: number
  /** HTTP tuning (retries, polling). */
  http?: DatabricksHttpOptions
  /** dlt-shaped credentials (see the interface's description). */
  credentials?: Record<string, unknown>
  /** Any other dlt keys (snake_case) are read as well. */
  [key: string]: unknown
}

/** How the destination authenticates. The token and the secret are secrets. */
export type DatabricksAuth =
  | { kind: 'token'; accessToken: string }
  | { kind: 'oauth'; clientId: string; clientSecret: string }

/** A volume as `catalog.schema.volume`. */
export interface VolumeName {
  catalog: string
  schema: string
  volume: string
}

/** Validated settings. `auth` holds secrets; everything else may be shown. */
export interface DatabricksConnectionParams {
  /** `https://<host>` (plain `http://` only for loopback addresses). */
  baseUrl: string
  /** Host (and port) for messages. */
  host: string
  warehouseId: string
  catalog: string
  auth: DatabricksAuth
  stagingVolume: VolumeName | undefined
  keepStagedFiles: boolean
  staging: Stage | undefined
  stagingCredentialsName: string | undefined
  isStagingExternalLocation: boolean
  replaceStrategy: ReplaceStrategy
  parallelJobs: number
  readerRowLimit: number
  http: DatabricksHttpOptions
}

function invalid(problem: string, hint?: string): SluiceError {
  return new SluiceError('CONFIG_INVALID', `[databricks] invalid configuration: ${problem}`, {
    hint:
      hint ??
      `set ${DATABRICKS_CREDENTIALS_SETTING}: server_hostname, http_path, catalog, and access_token or client_id with client_secret`,
  })
}

function str(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim()
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
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

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

/** `https://<host>` from a host name (`[:port]`) or a URL; `http://` only for loopback addresses (tests, proxies). */
export function workspaceUrl(serverHostname: string): { baseUrl: string; host: string } {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(serverHostname)
    ? serverHostname
    : `https://${serverHostname}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw invalid(`server_hostname ${JSON.stringify(serverHostname)} is not a host name`)
  }
  if (
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    (url.pathname !== '/' && url.pathname !== '')
  ) {
    throw invalid(
      'server_hostname must be the workspace host only, e.g. dbc-1234abcd-5678.cloud.databricks.com',
    )
  }
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    throw invalid(
      `server_hostname ${url.host} with http:// would send the token in clear text`,
      'use the https:// workspace host (plain http:// is accepted for 127.0.0.1 and localhost only)',
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`server_hostname must be an https:// host, not ${url.protocol}`)
  }
  return { baseUrl: `${url.protocol}//${url.host}`, host: url.host }
}

/** The SQL warehouse id in an HTTP path such as `/sql/1.0/warehouses/<id>` (or the older `/sql/1.0/endpoints/<id>`). */
export function warehouseIdOf(httpPath: string): string {
  const m = /^\/?sql\/1\.0\/(?:warehouses|endpoints)\/([A-Za-z0-9]+)\/?$/.exec(httpPath.trim())
  if (m) return m[1] as string
  throw invalid(
    `http_path ${JSON.stringify(httpPath)} is not the HTTP path of a SQL warehouse`,
    "copy the warehouse's HTTP path (SQL Warehouses → the warehouse → Connection details), e.g. /sql/1.0/warehouses/1234567890abcdef; clusters cannot run the SQL Statement Execution API",
  )
}

function volumeOf(name: string): VolumeName {
  const parts = name.split('.')
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    throw invalid(
      `staging_volume_name ${JSON.stringify(name)} must be catalog.schema.volume`,
      'name an existing Unity Catalog volume as catalog.schema.volume, or leave staging_volume_name out (a volume is created in <dataset>_staging)',
    )
  }
  const [catalog, schema, volume] = parts as [string, string, string]
  quoteDatabricksObjectName(catalog, 'catalog')
  quoteDatabricksObjectName(schema, 'schema')
  quoteDatabricksObjectName(volume, 'volume')
  return { catalog, schema, volume }
}

function positiveInt(value: string | undefined, fallback: number, key: string): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1)
    throw invalid(`${key} must be a positive integer`, `set ${key} to 1 or more`)
  return n
}

function stageOf(value: unknown): Stage | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof (value as Stage).stageJob === 'function' && typeof (value as Stage).rootUrl === 'string')
    return value as Stage
  throw invalid(
    'staging must be a stage such as filesystemStaging({ bucketUrl: "s3://bucket/prefix" }) from @sluice/destination-filesystem',
    'from the CLI: staging = "filesystem" and the bucket in [destination.filesystem]',
  )
}

const REPLACE_STRATEGIES: readonly ReplaceStrategy[] = [
  'insert-from-staging',
  'truncate-and-insert',
  'staging-optimized',
]

/**
 * Validates options (camelCase or dlt snake_case, top level or under `credentials`). Throws
 * `SluiceError('CONFIG_INVALID')` naming the setting to fix; never puts a token or secret in a message.
 */
export function parseDatabricksOptions(options: DatabricksOptions): DatabricksConnectionParams {
  const creds =
    typeof options.credentials === 'object' && options.credentials !== null ? options.credentials : {}
  if (typeof options.credentials === 'string') {
    throw invalid(
      'credentials must be a table (server_hostname, http_path, catalog, access_token ...), not a string',
    )
  }
  const sources = [options as Record<string, unknown>, creds]
  const hostname = pick(sources, 'serverHostname', 'server_hostname', 'host')
  if (!hostname) throw invalid('server_hostname is missing')
  const { baseUrl, host } = workspaceUrl(hostname)
  const warehouse = pick(sources, 'warehouseId', 'warehouse_id')
  const httpPath = pick(sources, 'httpPath', 'http_path')
  if (!warehouse && !httpPath) throw invalid('http_path is missing (the HTTP path of a SQL warehouse)')
  const warehouseId = warehouse ?? warehouseIdOf(httpPath as string)
  const catalog = pick(sources, 'catalog')
  if (!catalog) throw invalid('catalog is missing (the Unity Catalog catalog that holds the datasets)')
  quoteDatabricksObjectName(catalog, 'catalog')
  const accessToken = pick(sources, 'accessToken', 'access_token')
  const clientId = pick(sources, 'clientId', 'client_id')
  const clientSecret = pick(sources, 'clientSecret', 'client_secret')
  let auth: DatabricksAuth
  if (clientId || clientSecret) {
    if (!clientId || !clientSecret) throw invalid('OAuth needs both client_id and client_secret')
    auth = { kind: 'oauth', clientId, clientSecret }
  } else if (accessToken) auth = { kind: 'token', accessToken }
  else throw invalid('give access_token, or client_id and client_secret of a service principal (OAuth)')
  const volume = pick(sources, 'stagingVolumeName', 'staging_volume_name')
  const rawReplace = pick(sources, 'replaceStrategy', 'replace_strategy') ?? 'insert-from-staging'
  if (!REPLACE_STRATEGIES.includes(rawReplace as ReplaceStrategy)) {
    throw invalid(`replace_strategy must be one of ${REPLACE_STRATEGIES.join(', ')}`, 'fix replace_strategy')
  }
  const flag = (...keys: string[]) =>
    ['true', '1', 'yes'].includes((pick(sources, ...keys) ?? '').toLowerCase())
  return {
    baseUrl,
    host,
    warehouseId,
    catalog,
    auth,
    stagingVolume: volume ? volumeOf(volume) : undefined,
    keepStagedFiles: flag('keepStagedFiles', 'keep_staged_files'),
    staging: stageOf(options.staging),
    stagingCredentialsName: pick(sources, 'stagingCredentialsName', 'staging_credentials_name'),
    isStagingExternalLocation: flag('isStagingExternalLocation', 'is_staging_external_location'),
    replaceStrategy: rawReplace as ReplaceStrategy,
    parallelJobs: positiveInt(pick(sources, 'parallelJobs', 'parallel_jobs'), 4, 'parallel_jobs'),
    readerRowLimit: positiveInt(
      pick(sources, 'readerRowLimit', 'reader_row_limit'),
      100_000,
      'reader_row_limit',
    ),
    http: options.http ?? {},
  }
}

/** Where the data lives, without secrets: `databricks://<host>/<catalog>?warehouse=<id>`. */
export function databricksLocation(params: DatabricksConnectionParams): string {
  return `databricks://${params.host}/${params.catalog}?warehouse=${params.warehouseId}`
}
