import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob'
import { isSluiceError } from '@sluice/core/destination'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createStore,
  type FilesystemCredentials,
  filesystem,
  parseBucketUrl,
  parseFilesystemConfig,
} from '../src/index.ts'
import { AZURITE_ACCOUNT, AZURITE_KEY, type Azurite, startAzurite } from '../src/test-servers/index.ts'
import { bucketBehaviour } from './bucket-behaviour.ts'
import { tempDir } from './helpers.ts'

let azurite: Azurite
let work: string
beforeAll(async () => {
  azurite = await startAzurite()
  await azurite.createContainer('lake')
  work = await tempDir('sluice-azure-')
}, 60_000)
afterAll(() => azurite?.stop())

const keyAuth = (): FilesystemCredentials => ({
  azureStorageAccountName: AZURITE_ACCOUNT,
  azureStorageAccountKey: AZURITE_KEY,
  endpointUrl: azurite.blobEndpoint,
})

describe('filesystem destination on Azure Blob Storage (Azurite)', () => {
  bucketBehaviour(() => ({ bucketUrl: 'az://lake/behaviour', credentials: keyAuth() }))

  it('signs in with a SAS token and with a connection string', async () => {
    const sas = createStore({
      bucketUrl: 'az://lake/auth',
      credentials: {
        azureStorageAccountName: AZURITE_ACCOUNT,
        azureStorageSasToken: `?${await azurite.accountSas()}`,
        endpointUrl: azurite.blobEndpoint,
      },
    })
    await sas.put('sas.txt', 'via sas')
    const cs = createStore({
      bucketUrl: 'az://lake/auth',
      credentials: { azureStorageConnectionString: azurite.connectionString },
    })
    expect(new TextDecoder().decode(await cs.get('sas.txt'))).toBe('via sas')
    expect(await cs.list('')).toEqual(['sas.txt'])
    expect(sas.url('sas.txt')).toBe('az://lake/auth/sas.txt')
    await cs.delete(['sas.txt', 'missing.txt'])
    expect(await sas.list('')).toEqual([])
  })

  it('a wrong key or SAS token is answered clearly, without the secret', async () => {
    const wrongKey = Buffer.from('not-the-key-of-this-account-at-all').toString('base64')
    const c = await filesystem({
      bucketUrl: 'az://lake/x',
      credentials: { ...keyAuth(), azureStorageAccountKey: wrongKey },
    }).createClient({ datasetName: 'd', pipelineName: 'p', emit: () => {} })
    const error = await c.initialize().catch((e: unknown) => e)
    expect(isSluiceError(error, 'FILESYSTEM_AZURE')).toBe(true)
    expect((error as Error).message).toMatch(/403/)
    expect((error as Error).message).toMatch(/AZURE_STORAGE_ACCOUNT_KEY/)
    expect((error as Error).message).not.toContain(wrongKey)
    await c[Symbol.asyncDispose]()

    const sas = (await azurite.accountSas()).replace(/sig=[^&]+/, 'sig=Zm9yZ2VkLXNpZ25hdHVyZQ%3D%3D')
    const store = createStore({
      bucketUrl: 'az://lake/x',
      credentials: {
        azureStorageAccountName: AZURITE_ACCOUNT,
        azureStorageSasToken: sas,
        endpointUrl: azurite.blobEndpoint,
      },
    })
    const refused = await store.list('').catch((e: unknown) => e)
    expect(isSluiceError(refused, 'FILESYSTEM_AZURE')).toBe(true)
    expect(`${(refused as Error).message} ${String((refused as Error).cause)}`).not.toContain(
      'Zm9yZ2VkLXNpZ25hdHVyZQ',
    )
  })

  it('a missing container is named with what to do', async () => {
    const store = createStore({ bucketUrl: 'az://no-such-container/x', credentials: keyAuth() })
    const error = await store.put('a.txt', 'x').catch((e: unknown) => e)
    expect(isSluiceError(error, 'FILESYSTEM_AZURE')).toBe(true)
    expect((error as Error).message).toMatch(/ContainerNotFound.*create the container/)
  })

  it('large files go up as staged blocks committed in one list; small ones in one request', async () => {
    const store = createStore({
      bucketUrl: 'az://lake/blocks',
      credentials: keyAuth(),
      multipartThreshold: 100_000,
      partSize: 64 * 1024,
      uploadConcurrency: 3,
    })
    const big = join(work, 'big.bin')
    const bytes = new Uint8Array(300_000).map((_, i) => i % 251)
    await writeFile(big, bytes)
    await store.putFile('big.bin', big)
    await store.put('big-bytes.bin', bytes)
    await store.put('small.bin', bytes.subarray(0, 1000))
    const service = new BlobServiceClient(
      azurite.blobEndpoint,
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
    )
    const container = service.getContainerClient('lake')
    for (const name of ['big.bin', 'big-bytes.bin']) {
      const list = await container.getBlockBlobClient(`blocks/${name}`).getBlockList('all')
      expect(list.committedBlocks?.length).toBe(5)
      expect(list.uncommittedBlocks ?? []).toEqual([])
      expect(Buffer.from((await store.get(name))!).equals(bytes)).toBe(true)
    }
    const small = await container.getBlockBlobClient('blocks/small.bin').getBlockList('committed')
    expect(small.committedBlocks ?? []).toEqual([])
  })

  it('reads az://, azure://, abfs:// and abfss:// URLs; the account comes from the URL or the credentials', () => {
    expect(parseBucketUrl('abfss://lake@myaccount.dfs.core.windows.net/raw/v1/')).toEqual({
      kind: 'azure',
      container: 'lake',
      accountName: 'myaccount',
      prefix: 'raw/v1',
      urlBase: 'abfss://lake@myaccount.dfs.core.windows.net',
    })
    expect(parseBucketUrl('az://lake')).toEqual({
      kind: 'azure',
      container: 'lake',
      prefix: '',
      urlBase: 'az://lake',
    })
    expect(parseBucketUrl('azure://lake/p').kind).toBe('azure')
    expect(parseBucketUrl('abfs://lake@acc.dfs.core.windows.net').kind).toBe('azure')
    expect(() => parseBucketUrl('az://Not_A_Container/x')).toThrow(/not a container name/)
    const store = createStore({
      bucketUrl: 'abfss://lake@acc.dfs.core.windows.net/raw',
      credentials: keyAuth(),
    })
    expect(store.url('d/t/1.jsonl')).toBe('abfss://lake@acc.dfs.core.windows.net/raw/d/t/1.jsonl')
    expect(() => createStore({ bucketUrl: 'az://lake/raw' })).toThrow(/AZURE_STORAGE_ACCOUNT_NAME/)
    expect(
      parseFilesystemConfig({
        bucket_url: 'az://lake',
        credentials: { azure_storage_account_name: 'acc', azure_storage_sas_token: 'sv=1&sig=s' },
      }).credentials,
    ).toEqual({ azureStorageAccountName: 'acc', azureStorageSasToken: 'sv=1&sig=s' })
    expect(() =>
      parseFilesystemConfig({
        bucket_url: 'az://lake',
        credentials: { azure_tenant_id: 't', azure_client_id: 'c' },
      }),
    ).toThrow(/AZURE_CLIENT_SECRET/)
  })

  it('a service principal without @azure/identity installed says what to install', async () => {
    const store = createStore({
      bucketUrl: 'az://lake/sp',
      credentials: {
        azureStorageAccountName: AZURITE_ACCOUNT,
        azureTenantId: 't',
        azureClientId: 'c',
        azureClientSecret: 'very-secret-client-secret',
        endpointUrl: azurite.blobEndpoint,
      },
    })
    const error = await store.list('').catch((e: unknown) => e)
    expect(isSluiceError(error, 'DEPENDENCY_MISSING')).toBe(true)
    expect((error as Error).message).toMatch(/npm install @azure\/identity/)
  })
})
