import type { Destination, DestinationCapabilities, ReaderContext, Stage } from '@sluice/core/destination'
import { SluiceError, sqlDestination } from '@sluice/core/destination'
import { connectRedshift } from './redshift-client.ts'
import {
  parseRedshiftCredentials,
  type RedshiftCredentialFields,
  type RedshiftSslOptions,
  redshiftLocation,
  redshiftSslMode,
} from './redshift-credentials.ts'
import { REDSHIFT_MAX_IDENTIFIER_LENGTH, REDSHIFT_MAX_VARCHAR } from './redshift-dialect.ts'
import type { InsertLimits } from './redshift-insert.ts'
import { openRedshiftReader } from './redshift-reader.ts'

/** Options of {@link redshift}. */
export interface RedshiftOptions {
  /** `redshift://user:password@host:5439/database`, or the fields. Secret: never logged. */
  credentials: string | RedshiftCredentialFields
  /** TLS: `true` (or an object with Redshift's CA bundle) verifies the certificate. Default: encrypted, not verified. */
  ssl?: boolean | RedshiftSslOptions
  /** Connections per pipeline run. Default 3 (up to 2 job files load at once). */
  poolSize?: number
  /**
   * A staging bucket on S3 (`filesystemStaging()` of `@sluice/destination-filesystem`): job files are uploaded
   * there and loaded with COPY. Default none: job files load with multi-row INSERTs.
   */
  staging?: Stage
  /**
   * The IAM role COPY assumes to read the staging bucket (dlt's `staging_iam_role`), e.g.
   * `arn:aws:iam::123456789012:role/redshift-loader`, or `default`. Default: the stage's access keys.
   */
  stagingIamRole?: string
  /** The staging bucket's region, when it differs from the cluster's (COPY's `REGION`). Default none. */
  stagingRegion?: string
  /** Keep staged files after they loaded (dlt's `keep_staged_files`). Default false. */
  keepStagedFiles?: boolean
  /** Replace strategy for tables that set none. Default `insert-from-staging` (`truncate-and-insert` is the same here). */
  replaceStrategy?: 'insert-from-staging' | 'truncate-and-insert'
  /** How long to wait for a connection. Default the credentials' `connect_timeout`, else 15000 ms. */
  connectTimeoutMs?: number
  /** Statement timeout of the read-only reader (`pipeline.dataset()`), in ms. Default 300000. */
  readTimeoutMs?: number
  /** Limits of the multi-row INSERTs of loads without a stage. Default 16,000,000 bytes and 32767 parameters. */
  insertLimits?: InsertLimits
}

/**
 * What Redshift offers (dlt's capabilities): jsonl job files (COPY ... FORMAT AS JSON from S3, or multi-row
 * INSERTs), merge by delete-insert and scd2 only (no upsert: core falls back to delete-insert and warns),
 * replace by copying from staging in the publish transaction, transactional DDL, 127-byte identifiers folded to
 * lower case. Text holds no U+0000 (COPY fails on it) and at most 65,535 bytes (`varchar(65535)`): core removes
 * the character and cuts longer text, and counts both in the run's warnings.
 */
export const REDSHIFT_CAPABILITIES: DestinationCapabilities = {
  fileFormats: ['jsonl'],
  writeDispositions: ['append', 'replace', 'merge'],
  mergeStrategies: ['delete-insert', 'insert-only', 'scd2'],
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging'],
  transactions: true,
  ddlInTransactions: true,
  maxIdentifierLength: REDSHIFT_MAX_IDENTIFIER_LENGTH,
  identifierCase: 'lower',
  loadsFromStage: 'optional',
  values: { textNul: false, maxTextBytes: REDSHIFT_MAX_VARCHAR },
}

/** COPY reads `s3://` only, and needs an IAM role or the bucket's keys to read it. */
function stageCheck(iamRole: string | undefined): (stage: Stage) => void {
  return (stage) => {
    if (!stage.rootUrl.startsWith('s3://')) {
      throw new SluiceError(
        'CONFIG_INVALID',
        `[redshift] COPY cannot read ${stage.rootUrl.split(':')[0]}:// staging files`,
        { hint: 'set bucket_url in [destination.filesystem] to an s3:// bucket' },
      )
    }
    const keys = stage.credentials
    if (!iamRole && !(keys?.awsAccessKeyId && keys.awsSecretAccessKey)) {
      throw new SluiceError('CONFIG_MISSING', '[redshift] COPY has no way to read the staging bucket', {
        hint: 'set DESTINATION__REDSHIFT__STAGING_IAM_ROLE to a role the cluster may assume, or the keys in [destination.filesystem.credentials]',
      })
    }
  }
}

/**
 * The Redshift destination: dataset = schema (plus `<dataset>_staging`), job files loaded by COPY from an S3
 * staging bucket (or by multi-row INSERTs without one), data, schema version, state and `_sluice_loads` published
 * in one transaction. No dataset lock: two pipelines must not load into one dataset at the same time (as in dlt).
 * Credentials and the stage are checked here (`SluiceError('CONFIG_INVALID' | 'CONFIG_MISSING')`); connecting
 * happens in `createClient`.
 *
 * @example redshift({ credentials: 'redshift://loader:secret@cluster.abc.eu-central-1.redshift.amazonaws.com:5439/analytics' })
 */
export function redshift(options: RedshiftOptions): Destination {
  const params = parseRedshiftCredentials(options.credentials, options.ssl)
  const poolSize = Math.max(2, options.poolSize ?? 3)
  const destination = sqlDestination({
    name: 'redshift',
    capabilities: REDSHIFT_CAPABILITIES,
    location: redshiftLocation(params),
    publicConfig: () => ({
      credentials: {
        host: params.host,
        port: params.port,
        username: params.user,
        database: params.database,
        ...(redshiftSslMode(options.credentials) ? { sslmode: redshiftSslMode(options.credentials) } : {}),
      },
      ...(options.stagingIamRole ? { staging_iam_role: options.stagingIamRole } : {}),
      ...(options.stagingRegion ? { staging_region: options.stagingRegion } : {}),
      ...(options.keepStagedFiles !== undefined ? { keep_staged_files: options.keepStagedFiles } : {}),
      ...(options.replaceStrategy ? { replace_strategy: options.replaceStrategy } : {}),
      ...(options.poolSize !== undefined ? { pool_size: poolSize } : {}),
    }),
    connect: () =>
      connectRedshift({
        params,
        poolSize,
        copyAuth: { iamRole: options.stagingIamRole, region: options.stagingRegion },
        ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
        ...(options.insertLimits ? { insertLimits: options.insertLimits } : {}),
      }),
    maxParallelJobs: poolSize - 1,
    replaceStrategy: options.replaceStrategy ?? 'insert-from-staging',
    ...(options.staging
      ? { staging: options.staging, keepStagedFiles: options.keepStagedFiles ?? false }
      : {}),
    checkStage: stageCheck(options.stagingIamRole),
  })
  return {
    ...destination,
    openReader: (ctx: ReaderContext) =>
      openRedshiftReader(params, ctx, {
        ...(options.readTimeoutMs !== undefined ? { statementTimeoutMs: options.readTimeoutMs } : {}),
        ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      }),
  }
}
