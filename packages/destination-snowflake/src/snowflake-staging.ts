import type { StageCredentials } from '@sluice/core/destination'

function literal(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

/**
 * The `FROM ... FILES = (...)` part of a COPY INTO for a staged file: through the named external stage (which
 * must point at the bucket root of the staging URL) or by URL with `CREDENTIALS` for `s3://`.
 */
export function stagedSource(
  key: string,
  url: string,
  stage: string | undefined,
  credentials: StageCredentials | undefined,
): string {
  const slash = key.lastIndexOf('/')
  const dir = slash >= 0 ? key.slice(0, slash + 1) : ''
  const name = key.slice(slash + 1)
  if (stage) return `@${stage}/${dir} FILES = (${literal(name)})`
  const folder = url.slice(0, url.length - name.length)
  const creds: string[] = []
  if (credentials?.awsAccessKeyId) creds.push(`AWS_KEY_ID = ${literal(credentials.awsAccessKeyId)}`)
  if (credentials?.awsSecretAccessKey)
    creds.push(`AWS_SECRET_KEY = ${literal(credentials.awsSecretAccessKey)}`)
  if (credentials?.sessionToken) creds.push(`AWS_TOKEN = ${literal(credentials.sessionToken)}`)
  return `${literal(folder)}${creds.length ? ` CREDENTIALS = (${creds.join(' ')})` : ''} FILES = (${literal(name)})`
}

/** SQL with `CREDENTIALS = (...)` masked, for messages. */
export function redactCredentials(sql: string): string {
  return sql.replace(/CREDENTIALS = \((?:[^)'\\]|'(?:[^'\\]|\\.)*'|\\.)*\)/g, 'CREDENTIALS = (***)')
}
