import { azureBlobLocation, type StageCredentials } from '@sluice/core/destination'

function literal(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

/**
 * The URL COPY INTO reads a staged file from: `s3://` as it is; an Azure stage's file (`az://`, `abfss://` ...) as
 * `azure://{account}.blob.core.windows.net/{container}/{path}`. `undefined` when Snowflake cannot read it by URL.
 */
export function snowflakeUrl(url: string, credentials: StageCredentials | undefined): string | undefined {
  if (url.startsWith('s3://')) return url
  const azure = azureBlobLocation(url, credentials?.azureStorageAccountName)
  if (azure) return `azure://${azure.account}.blob.core.windows.net/${azure.container}/${azure.path}`
  return undefined
}

/**
 * The `FROM ... FILES = (...)` part of a COPY INTO for a staged file: through the named external stage (which
 * must point at the bucket root of the staging URL) or by URL with `CREDENTIALS`: the AWS keys for `s3://`, the
 * SAS token for Azure (see {@link snowflakeUrl}).
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
  const readable = snowflakeUrl(url, credentials) ?? url
  const folder = readable.slice(0, readable.length - name.length)
  const creds: string[] = []
  if (credentials?.azureStorageSasToken && readable.startsWith('azure://'))
    creds.push(`AZURE_SAS_TOKEN = ${literal(credentials.azureStorageSasToken.replace(/^\?/, ''))}`)
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
