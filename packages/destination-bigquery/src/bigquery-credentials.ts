import { readFileSync } from 'node:fs'
import type { ReplaceStrategy, Stage } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'

/** Where users set the credentials, named in every configuration error. */
export const BIGQUERY_CREDENTIALS_SETTING =
  'DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID / __PRIVATE_KEY / __CLIENT_EMAIL (or [destination.bigquery.credentials] in .sluice/secrets.toml, or DESTINATION__BIGQUERY__CREDENTIALS=<path of the service-account JSON>)'

/** A Google service-account key (the JSON file's fields). `private_key` is a secret. */
export interface ServiceAccountKey {
  project_id?: string
  client_email: string
  private_key: string
  private_key_id?: string
  token_uri?: string
  [key: string]: unknown
}

/**
 * Options of {@link bigquery}: camelCase fields, or dlt's `[destination.bigquery]` section as the CLI passes it
 * (`project_id`, `location`, `credentials` = a service-account key table, its JSON text, or the path of the
 * JSON file). Top-level keys override the credentials'.
 */
export interface BigQueryOptions {
  /** Project that runs the jobs and holds the datasets. Default the service account's `project_id`. */
  projectId?: string
  /** Location of datasets and jobs, e.g. `US`, `EU`, `europe-west3`. Default `US`. */
  location?: string
  /** Service-account key: the parsed JSON, its text, or the path of the JSON file. Secret. */
  credentials?: string | ServiceAccountKey | Record<string, unknown>
  /** Path of a service-account JSON file (what `keyFilename` is in @google-cloud/bigquery). */
  keyFilename?: string
  /**
   * A google-auth-library client to use instead of the credentials (workload identity, impersonation, tests).
   * Without it and without credentials, Application Default Credentials are used.
   */
  authClient?: unknown
  /**
   * A ready OAuth 2 access token (e.g. `gcloud auth print-access-token`, or a CI's workload identity), used
   * when no service-account key or auth client is given. Secret. It is not refreshed: fine for one run.
   * dlt-style: `credentials.access_token`.
   */
  accessToken?: string
  /** API root instead of `https://bigquery.googleapis.com` (private endpoints, tests). */
  apiEndpoint?: string
  /**
   * A GCS staging bucket job files are uploaded to before load jobs read them (dlt's `staging = "filesystem"`):
   * a stage such as `filesystemStaging({ bucketUrl: 'gs://bucket/prefix', credentials })` from
   * `@sluice/destination-filesystem` (GCS through its S3 interoperability, HMAC keys). Only `gs://` buckets.
   * From the CLI: `staging = "filesystem"` and the bucket in `[destination.filesystem]`. Default none: each job
   * file is uploaded with its load job.
   */
  staging?: Stage
  /** Keep staged bucket files after loading (dlt: `keep_staged_files`). Default false. */
  keepStagedFiles?: boolean
  /** Jobs loaded at once (load jobs). Default 4. */
  parallelJobs?: number
  /**
   * Replace strategy for tables that do not set one. Default `insert-from-staging` (empty + insert in the
   * publish transaction; `truncate-and-insert` behaves the same). `staging-optimized` replaces each table by a
   * `CLONE` of its staging table, run before the publish transaction (not atomic with it). dlt: `replace_strategy`.
   */
  replaceStrategy?: ReplaceStrategy
  /** Any other dlt keys (snake_case) are read as well. */
  [key: string]: unknown
}

/** Validated settings. `key.private_key` is a secret. */
export interface BigQueryConnectionParams {
  projectId: string
  location: string
  key: ServiceAccountKey | undefined
  authClient: unknown
  accessToken: string | undefined
  apiEndpoint: string | undefined
  parallelJobs: number
  replaceStrategy: ReplaceStrategy
  staging: Stage | undefined
  keepStagedFiles: boolean
}

function invalid(problem: string): SluiceError {
  return new SluiceError('CONFIG_INVALID', `[bigquery] invalid configuration: ${problem}`, {
    hint: `set ${BIGQUERY_CREDENTIALS_SETTING}, and location (DESTINATION__BIGQUERY__LOCATION)`,
  })
}

function str(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  return undefined
}

/** Reads the credentials setting: an object, JSON text, or a file path. */
function readKey(credentials: unknown): { key?: Record<string, unknown>; path?: string } {
  if (credentials === undefined || credentials === null || credentials === '') return {}
  if (typeof credentials === 'object') return { key: credentials as Record<string, unknown> }
  if (typeof credentials !== 'string')
    throw invalid('credentials must be a service-account key or its file path')
  const text = credentials.trim()
  if (text.startsWith('{')) {
    try {
      return { key: JSON.parse(text) as Record<string, unknown> }
    } catch {
      throw invalid('credentials looks like JSON but does not parse')
    }
  }
  let fileText: string
  try {
    fileText = readFileSync(text, 'utf8')
  } catch (cause) {
    throw new SluiceError('CONFIG_INVALID', `[bigquery] cannot read the service-account file ${text}`, {
      cause,
      hint: `check the path in ${BIGQUERY_CREDENTIALS_SETTING}`,
    })
  }
  try {
    return { key: JSON.parse(fileText) as Record<string, unknown>, path: text }
  } catch {
    throw invalid(`${text} is not a service-account JSON file`)
  }
}

/**
 * Validates options (camelCase or dlt snake_case). Throws `SluiceError('CONFIG_INVALID')` naming what is
 * missing; never includes secrets in messages.
 */
export function parseBigQueryOptions(options: BigQueryOptions): BigQueryConnectionParams {
  const o = options as Record<string, unknown>
  const keyFilename = str(o['keyFilename']) ?? str(o['key_filename'])
  const { key: rawKey } = readKey(o['credentials'] ?? (keyFilename ? keyFilename : undefined))
  let key: ServiceAccountKey | undefined
  if (rawKey && (rawKey['private_key'] !== undefined || rawKey['client_email'] !== undefined)) {
    const email = str(rawKey['client_email'])
    const pk = str(rawKey['private_key'])
    if (!email) throw invalid('credentials.client_email is missing')
    if (!pk) throw invalid('credentials.private_key is missing')
    key = { ...rawKey, client_email: email, private_key: pk.replaceAll('\\n', '\n') } as ServiceAccountKey
  }
  const projectId =
    str(o['projectId']) ?? str(o['project_id']) ?? str(rawKey?.['project_id']) ?? str(rawKey?.['projectId'])
  if (!projectId) throw invalid('project_id is missing (set it in the credentials or as project_id)')
  const authClient = o['authClient'] ?? o['auth_client']
  const accessToken =
    str(o['accessToken']) ??
    str(o['access_token']) ??
    str(rawKey?.['access_token']) ??
    str(rawKey?.['accessToken'])
  if (
    !key &&
    !authClient &&
    !accessToken &&
    rawKey &&
    Object.keys(rawKey).some((k) => k !== 'project_id' && k !== 'location')
  ) {
    throw invalid('credentials need client_email and private_key')
  }
  const parallel = Number(str(o['parallelJobs']) ?? str(o['parallel_jobs']) ?? 4)
  if (!Number.isInteger(parallel) || parallel < 1) throw invalid('parallel_jobs must be a positive integer')
  return {
    projectId,
    location: str(o['location']) ?? 'US',
    key,
    authClient,
    accessToken,
    apiEndpoint: str(o['apiEndpoint']) ?? str(o['api_endpoint']),
    parallelJobs: parallel,
    replaceStrategy: replaceStrategyOf(o['replaceStrategy'] ?? o['replace_strategy']),
    staging: stageOf(o['staging']),
    keepStagedFiles: ['true', '1'].includes(
      String(o['keepStagedFiles'] ?? o['keep_staged_files'] ?? '').toLowerCase(),
    ),
  }
}

function stageOf(value: unknown): Stage | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof (value as Stage).stageJob === 'function' && typeof (value as Stage).rootUrl === 'string')
    return value as Stage
  throw invalid(
    'staging must be a stage such as filesystemStaging({ bucketUrl: "gs://bucket/prefix" }) from @sluice/destination-filesystem (from the CLI: staging = "filesystem" and the bucket in [destination.filesystem])',
  )
}

function replaceStrategyOf(value: unknown): ReplaceStrategy {
  if (value === undefined || value === null || value === '') return 'insert-from-staging'
  if (value === 'truncate-and-insert' || value === 'insert-from-staging' || value === 'staging-optimized')
    return value
  throw invalid(
    `replace_strategy ${JSON.stringify(String(value))} is not truncate-and-insert, insert-from-staging or staging-optimized`,
  )
}

/** Where the data lives, without secrets: `bigquery://project/location`. */
export function bigqueryLocation(params: BigQueryConnectionParams): string {
  return `bigquery://${params.projectId}?location=${encodeURIComponent(params.location)}`
}
