import { SluiceError } from '@sluice/core/destination'
import {
  assertSafeKey,
  bodyBytes,
  DEFAULT_MULTIPART_THRESHOLD,
  DEFAULT_PART_SIZE,
  DEFAULT_UPLOAD_CONCURRENCY,
  type FileBody,
  type FileStore,
} from './filesystem-store.ts'

/**
 * How {@link azureStore} signs in (dlt's names in config: `azure_storage_account_key`, `azure_storage_sas_token`,
 * `azure_tenant_id` + `azure_client_id` + `azure_client_secret`, or `azure_storage_connection_string`).
 * Secrets: never logged.
 */
export type AzureAuth =
  | { kind: 'key'; accountKey: string }
  | { kind: 'sas'; sasToken: string }
  | { kind: 'connection-string'; connectionString: string }
  | { kind: 'service-principal'; tenantId: string; clientId: string; clientSecret: string }

/** Options of {@link azureStore}. */
export interface AzureStoreOptions {
  /** The blob container. */
  container: string
  /** Blob name prefix inside the container (no leading or trailing `/` needed). Default `''`. */
  prefix?: string
  /** The storage account. Required unless `auth` is a connection string. */
  accountName?: string
  auth: AzureAuth
  /**
   * The Blob service URL, e.g. `http://127.0.0.1:10000/devstoreaccount1` (Azurite). Default
   * `https://{accountName}.blob.core.windows.net` (a connection string brings its own).
   */
  endpointUrl?: string
  /** How `url()` and `rootUrl` start, e.g. `az://container` or `abfss://container@account.dfs.core.windows.net`. Default `az://{container}`. */
  urlBase?: string
  /** Files larger than this (bytes) go up in blocks (staged, then committed in one list). Default 16 MiB. */
  multipartThreshold?: number
  /** Bytes per block. Default 8 MiB. */
  partSize?: number
  /** Blocks uploaded at once per file. Default 4. */
  uploadConcurrency?: number
}

type BlobModule = typeof import('@azure/storage-blob')
type ContainerClient = import('@azure/storage-blob').ContainerClient

let blobModule: Promise<BlobModule> | undefined

async function loadBlob(): Promise<BlobModule> {
  blobModule ??= import('@azure/storage-blob').catch((error: unknown) => {
    blobModule = undefined
    throw new SluiceError(
      'DEPENDENCY_MISSING',
      'az:// and abfss:// bucket URLs need the package @azure/storage-blob',
      {
        cause: error,
        hint: 'install it with `npm install @azure/storage-blob`',
      },
    )
  })
  return blobModule
}

async function servicePrincipal(auth: Extract<AzureAuth, { kind: 'service-principal' }>): Promise<unknown> {
  // @azure/identity is optional and not a declared dependency: only service-principal sign-in needs it
  const name = '@azure/identity'
  const identity = (await import(name).catch((error: unknown) => {
    throw new SluiceError(
      'DEPENDENCY_MISSING',
      'Azure service-principal credentials need the package @azure/identity',
      {
        cause: error,
        hint: 'install it with `npm install @azure/identity`, or use azure_storage_account_key or azure_storage_sas_token instead',
      },
    )
  })) as { ClientSecretCredential: new (tenant: string, client: string, secret: string) => unknown }
  return new identity.ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret)
}

/**
 * A {@link FileStore} over an Azure Blob Storage container, through the Blob API (also for `abfss://` URLs of
 * accounts with a hierarchical namespace). `@azure/storage-blob` is imported lazily on first use. Files over
 * `multipartThreshold` go up as blocks, `uploadConcurrency` at a time, committed in one block list, so readers
 * see the old or the new blob, never a part.
 */
export function azureStore(options: AzureStoreOptions): FileStore {
  const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '')
  const full = (key: string): string => {
    assertSafeKey(key)
    return prefix ? `${prefix}/${key}` : key
  }
  const base = options.urlBase ?? `az://${options.container}`
  const rootUrl = `${base}${prefix ? `/${prefix}` : ''}`
  const upload = {
    blockSize: options.partSize ?? DEFAULT_PART_SIZE,
    concurrency: options.uploadConcurrency ?? DEFAULT_UPLOAD_CONCURRENCY,
    maxSingleShotSize: options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD,
  }
  let client: Promise<ContainerClient> | undefined
  const connect = (): Promise<ContainerClient> => {
    client ??= (async () => {
      const blob = await loadBlob()
      const auth = options.auth
      if (auth.kind === 'connection-string') {
        try {
          return blob.BlobServiceClient.fromConnectionString(auth.connectionString).getContainerClient(
            options.container,
          )
        } catch (cause) {
          throw new SluiceError('CONFIG_INVALID', 'the Azure storage connection string is not valid', {
            cause,
            hint: 'check DESTINATION__FILESYSTEM__CREDENTIALS__AZURE_STORAGE_CONNECTION_STRING (AccountName=...;AccountKey=... or UseDevelopmentStorage=true)',
          })
        }
      }
      const account = options.accountName ?? ''
      const endpoint = (options.endpointUrl ?? `https://${account}.blob.core.windows.net`).replace(/\/+$/, '')
      if (auth.kind === 'key') {
        const credential = new blob.StorageSharedKeyCredential(account, auth.accountKey)
        return new blob.BlobServiceClient(endpoint, credential).getContainerClient(options.container)
      }
      if (auth.kind === 'sas') {
        const sas = auth.sasToken.replace(/^\?/, '')
        return new blob.BlobServiceClient(`${endpoint}?${sas}`).getContainerClient(options.container)
      }
      const credential = (await servicePrincipal(
        auth,
      )) as import('@azure/storage-blob').StorageSharedKeyCredential
      return new blob.BlobServiceClient(endpoint, credential).getContainerClient(options.container)
    })()
    client.catch(() => {
      client = undefined
    })
    return client
  }
  const fail = (error: unknown, what: string): SluiceError => azureError(error, what, rootUrl)

  return {
    rootUrl,
    url: (key) => `${base}/${full(key)}`,
    async close() {
      client = undefined
    },
    async put(key, body: FileBody) {
      const container = await connect()
      const bytes = await bodyBytes(body)
      try {
        await container.getBlockBlobClient(full(key)).uploadData(bytes, upload)
      } catch (error) {
        throw fail(error, `could not write ${key}`)
      }
    },
    async putFile(key, localPath) {
      const container = await connect()
      try {
        await container.getBlockBlobClient(full(key)).uploadFile(localPath, upload)
      } catch (error) {
        throw fail(error, `could not upload ${key}`)
      }
    },
    async get(key) {
      const container = await connect()
      try {
        return new Uint8Array(await container.getBlockBlobClient(full(key)).downloadToBuffer())
      } catch (error) {
        const e = error as { statusCode?: number; code?: string }
        if (e.statusCode === 404 && e.code !== 'ContainerNotFound') return undefined
        throw fail(error, `could not read ${key}`)
      }
    },
    async list(keyPrefix) {
      const container = await connect()
      const strip = prefix ? prefix.length + 1 : 0
      const keys: string[] = []
      try {
        const pages = container
          .listBlobsFlat({ prefix: prefix ? `${prefix}/${keyPrefix}` : keyPrefix })
          .byPage({ maxPageSize: 5000 })
        for await (const page of pages) for (const b of page.segment.blobItems) keys.push(b.name.slice(strip))
      } catch (error) {
        throw fail(error, `could not list ${keyPrefix || '/'}`)
      }
      return keys.sort()
    },
    async delete(keys) {
      if (keys.length === 0) return
      const container = await connect()
      try {
        for (let i = 0; i < keys.length; i += 16) {
          await Promise.all(
            keys.slice(i, i + 16).map((k) => container.getBlockBlobClient(full(k)).deleteIfExists()),
          )
        }
      } catch (error) {
        throw fail(error, `could not delete ${keys.length} file(s)`)
      }
    },
  }
}

function azureError(error: unknown, what: string, where: string): SluiceError {
  if (error instanceof SluiceError) return error
  const e = error as { statusCode?: number; code?: string; name?: string }
  const status = e.statusCode
  const name = e.code ?? e.name ?? 'Error'
  const transient =
    (status !== undefined && (status >= 500 || status === 429)) ||
    ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ServerBusy', 'OperationTimedOut', 'InternalError'].includes(name)
  let hint: string | undefined
  if (name === 'ContainerNotFound')
    hint = 'create the container first or fix the container name in bucket_url'
  else if (name === 'ECONNREFUSED' || name === 'ENOTFOUND')
    hint = 'is the Blob endpoint reachable? check the account name and credentials.endpoint_url'
  else if (status === 403 || name === 'AuthenticationFailed' || name === 'AuthorizationFailure')
    hint =
      'check credentials.azure_storage_account_name and azure_storage_account_key or azure_storage_sas_token (DESTINATION__FILESYSTEM__CREDENTIALS__AZURE_STORAGE_ACCOUNT_KEY); a SAS token needs read, write, delete and list permissions'
  // the SDK's error keeps the request, whose URL may carry a SAS signature: pass on only a redacted message
  const message = String((error as { message?: unknown }).message ?? error).replace(
    /sig=[^&\s"']+/gi,
    'sig=REDACTED',
  )
  const cause = Object.assign(new Error(message), { name, statusCode: status })
  return new SluiceError(
    'FILESYSTEM_AZURE',
    `[filesystem] ${what} in ${where} (${name}${status ? ` ${status}` : ''})`,
    { cause, transient, hint },
  )
}
