import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isSluiceError } from '@sluice/core/destination'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore, type FilesystemCredentials, filesystem, parseFilesystemConfig } from '../src/index.ts'
import { type GcsFake, startGcsFake } from '../src/test-servers/index.ts'
import { bucketBehaviour } from './bucket-behaviour.ts'
import { tempDir } from './helpers.ts'

// The GCS store through @google-cloud/storage against the fake JSON API (see src/test-servers): what this proves
// and what only a real bucket can (IAM, the real token endpoint) is listed in the README.
let fake: GcsFake
let work: string
beforeAll(async () => {
  fake = await startGcsFake({ buckets: ['lake'], pageSize: 3 })
  work = await tempDir('sluice-gcs-')
})
afterAll(() => fake?.stop())

const account = (): FilesystemCredentials => ({
  projectId: fake.serviceAccount.project_id,
  clientEmail: fake.serviceAccount.client_email,
  privateKey: fake.serviceAccount.private_key,
  tokenUri: fake.serviceAccount.token_uri,
  endpointUrl: fake.endpoint,
})

describe('filesystem destination on GCS (JSON API fake)', () => {
  bucketBehaviour(() => ({ bucketUrl: 'gs://lake/behaviour', credentials: account() }))

  it('large files go up as a resumable upload in chunks, small ones in one multipart request', async () => {
    const store = createStore({
      bucketUrl: 'gs://lake/chunks',
      credentials: account(),
      multipartThreshold: 300_000,
      partSize: 256 * 1024,
    })
    const big = join(work, 'big.bin')
    const bytes = new Uint8Array(700_000).map((_, i) => i % 251)
    await writeFile(big, bytes)
    const from = fake.requests.length
    await store.putFile('big.bin', big)
    await store.put('big-bytes.bin', bytes)
    await store.put('small.bin', bytes.subarray(0, 100))
    const uploads = fake.requests
      .slice(from)
      .filter((r) => r.uploadType && r.bytes > 0)
      .map((r) => `${r.method} ${r.uploadType} ${r.bytes}`)
    // per big file: a session, then chunks of 256 KiB, 256 KiB and the rest; the small file in one request
    const chunks = ['PUT resumable 262144', 'PUT resumable 262144', 'PUT resumable 175712']
    expect(uploads.filter((u) => u.startsWith('PUT'))).toEqual([...chunks, ...chunks])
    expect(
      fake.requests.slice(from).filter((r) => r.method === 'POST' && r.uploadType === 'resumable'),
    ).toHaveLength(2)
    expect(uploads.at(-1)).toMatch(/^POST multipart \d+$/)
    expect(Buffer.from((await store.get('big.bin'))!).equals(bytes)).toBe(true)
    expect(Buffer.from((await store.get('big-bytes.bin'))!).equals(bytes)).toBe(true)
    expect(store.url('big.bin')).toBe('gs://lake/chunks/big.bin')
  })

  it('signs in with a key file, also named by GOOGLE_APPLICATION_CREDENTIALS', async () => {
    const keyFile = join(work, 'key.json')
    await writeFile(keyFile, JSON.stringify(fake.serviceAccount))
    const viaOption = createStore({
      bucketUrl: 'gs://lake/keyfile',
      credentials: { keyFile, endpointUrl: fake.endpoint },
    })
    await viaOption.put('a.txt', 'from a key file')
    const before = process.env['GOOGLE_APPLICATION_CREDENTIALS']
    process.env['GOOGLE_APPLICATION_CREDENTIALS'] = keyFile
    try {
      const viaEnv = createStore({
        bucketUrl: 'gs://lake/keyfile',
        credentials: { endpointUrl: fake.endpoint },
      })
      expect(new TextDecoder().decode(await viaEnv.get('a.txt'))).toBe('from a key file')
    } finally {
      if (before === undefined) delete process.env['GOOGLE_APPLICATION_CREDENTIALS']
      else process.env['GOOGLE_APPLICATION_CREDENTIALS'] = before
    }
  })

  it('a key the token endpoint refuses is answered clearly, without the key', async () => {
    const { generateKeyPairSync } = await import('node:crypto')
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString()
    const c = await filesystem({
      bucketUrl: 'gs://lake/x',
      credentials: { ...account(), privateKey: other },
    }).createClient({ datasetName: 'd', pipelineName: 'p', emit: () => {} })
    const error = await c.initialize().catch((e: unknown) => e)
    expect(isSluiceError(error, 'FILESYSTEM_GCS')).toBe(true)
    expect((error as Error).message).toMatch(/refused a token \(400 invalid_grant\)/)
    expect((error as Error).message).toMatch(/PRIVATE_KEY/)
    expect((error as Error).message).not.toContain(other.split('\n')[1])
    await c[Symbol.asyncDispose]()
    const broken = createStore({
      bucketUrl: 'gs://lake/x',
      credentials: { ...account(), privateKey: 'nonsense' },
    })
    expect(isSluiceError(await broken.list('').catch((e: unknown) => e), 'CONFIG_INVALID')).toBe(true)
  })

  it('a missing bucket is named with what to do', async () => {
    const store = createStore({ bucketUrl: 'gs://no-such-bucket/x', credentials: account() })
    const error = await store.put('a.txt', 'x').catch((e: unknown) => e)
    expect(isSluiceError(error, 'FILESYSTEM_GCS')).toBe(true)
    expect((error as Error).message).toMatch(/404.*create the bucket/)
  })

  it('config: service-account keys for the JSON API, HMAC keys for the S3 interoperability', () => {
    const parsed = parseFilesystemConfig({
      bucket_url: 'gs://lake/p',
      credentials: {
        project_id: 'p',
        client_email: 'a@b',
        private_key: '-----BEGIN-----\\nabc\\n-----END-----',
      },
    })
    expect(parsed.credentials?.privateKey).toBe('-----BEGIN-----\nabc\n-----END-----')
    expect(() =>
      parseFilesystemConfig({ bucket_url: 'gs://lake', credentials: { client_email: 'a@b' } }),
    ).toThrow(/PRIVATE_KEY/)
    // HMAC keys: the S3 store against storage.googleapis.com (its URLs still gs://)
    const hmac = createStore({
      bucketUrl: 'gs://lake/p',
      credentials: { awsAccessKeyId: 'GOOG1', awsSecretAccessKey: 's' },
    })
    expect(hmac.rootUrl).toBe('gs://lake/p')
  })
})
