import type { StageCredentials } from '@sluice/core/destination'

/** How COPY authenticates to S3: an IAM role the cluster may assume, or the staging bucket's keys. Secret. */
export interface CopyAuthorization {
  /** `arn:aws:iam::<account>:role/<name>`, or `default` for the cluster's default role (dlt's `staging_iam_role`). */
  iamRole?: string | undefined
  /** Access keys (and a session token) that may read the bucket. Used when there is no `iamRole`. */
  credentials?: StageCredentials | undefined
}

/** What one COPY loads. */
export interface CopyStatement {
  /** Quoted, qualified table. */
  table: string
  /** Quoted column names, in the order of the table (JSON keys are matched by name). */
  columns: readonly string[]
  /** `s3://bucket/key` of the staged file. */
  url: string
  /** True when the file is gzip-compressed. */
  gzip: boolean
  auth: CopyAuthorization
  /** The bucket's region, when it is not the cluster's. */
  region?: string | undefined
}

/** A Redshift string literal: quotes doubled, and backslashes too (Redshift reads them as escapes). */
export function redshiftLiteral(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
}

function authorization(auth: CopyAuthorization): string {
  if (auth.iamRole) {
    return auth.iamRole === 'default' ? 'IAM_ROLE default' : `IAM_ROLE ${redshiftLiteral(auth.iamRole)}`
  }
  const c = auth.credentials
  const parts = [
    `aws_access_key_id=${c?.awsAccessKeyId ?? ''}`,
    `aws_secret_access_key=${c?.awsSecretAccessKey ?? ''}`,
  ]
  if (c?.sessionToken) parts.push(`token=${c.sessionToken}`)
  return `CREDENTIALS ${redshiftLiteral(parts.join(';'))}`
}

/**
 * `COPY table (cols) FROM 's3://...' <IAM_ROLE | CREDENTIALS> FORMAT AS JSON 'auto ignorecase' [GZIP]
 * TIMEFORMAT 'auto' DATEFORMAT 'auto' [REGION '...'] MAXERROR 0`: JSON keys matched to column names whatever
 * their case, ISO dates and timestamps recognized, and the first bad row fails the whole COPY. The statement holds
 * secrets when it authorizes with keys: show it only through {@link redactCopy}.
 */
export function copySql(copy: CopyStatement): string {
  const parts = [
    `COPY ${copy.table} (${copy.columns.join(', ')})`,
    `FROM ${redshiftLiteral(copy.url)}`,
    authorization(copy.auth),
    "FORMAT AS JSON 'auto ignorecase'",
  ]
  if (copy.gzip) parts.push('GZIP')
  parts.push("TIMEFORMAT 'auto'", "DATEFORMAT 'auto'")
  if (copy.region) parts.push(`REGION ${redshiftLiteral(copy.region)}`)
  parts.push('MAXERROR 0')
  return parts.join(' ')
}

/** A COPY statement with its `CREDENTIALS '...'` masked, for messages. */
export function redactCopy(sql: string): string {
  return sql.replace(/CREDENTIALS '(?:[^'\\]|''|\\.)*'/g, "CREDENTIALS '***'")
}
