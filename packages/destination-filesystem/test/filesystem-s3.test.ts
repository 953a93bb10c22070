import { rm, writeFile } from 'node:fs/promises'
import { createServer, request } from 'node:http'
import { join } from 'node:path'
import { S3Client } from '@aws-sdk/client-s3'
import type { DestinationClient, DestinationContext } from '@sluice/core/destination'
import { isSluiceError } from '@sluice/core/destination'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore, type FilesystemOptions, filesystem, filesystemStaging } from '../src/index.ts'
import { duck, lit, preparePackage, runPackage, schema, state, table, tempDir } from './helpers.ts'

const ctx: DestinationContext = { datasetName: 'lake', pipelineName: 'pipe', emit: () => {} }
const SECRET = 'S3RVER'
let server: S3rver
let endpointUrl: string
let work: string
let directory: string
const directories: string[] = []

function options(extra: Partial<FilesystemOptions> = {}): FilesystemOptions {
  return {
    bucketUrl: 's3://sluice-test/data/v1',
    credentials: {
      awsAccessKeyId: 'S3RVER',
      awsSecretAccessKey: SECRET,
      endpointUrl,
      region: 'eu-central-1',
    },
    ...extra,
  }
}

beforeAll(async () => {
  directory = await tempDir('sluice-s3rver-')
  work = await tempDir('sluice-fs-jobs-')
  server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: 'sluice-test' }],
  })
  const { port } = await server.run()
  endpointUrl = `http://127.0.0.1:${port}`
})

afterAll(async () => {
  await server?.close()
  for (const d of [directory, work, ...directories]) if (d) await rm(d, { recursive: true, force: true })
})

const entries = table('entries', [
  ['id', 'bigint'],
  ['at', 'timestamp'],
])
const users = table('users', [['id', 'bigint']], 'replace')

describe('filesystem destination on S3 (s3rver)', () => {
  it('loads parquet, replaces, restores state and schema on a fresh client', async () => {
    const d = filesystem(options({ format: 'parquet' }))
    const c: DestinationClient = await d.createClient(ctx)
    expect(c.location).toBe('s3://sluice-test/data/v1/lake')
    await runPackage(c, work, {
      loadId: '100.1',
      schema: schema([entries, users], 'hA'),
      tables: [
        { table: entries, rows: [{ id: 1, at: '2024-01-01T00:00:00.5Z' }], jobs: 1 },
        { table: users, rows: [{ id: 1 }, { id: 2 }] },
      ],
      state: state('pipe', '100.1', 'S1'),
    })
    await runPackage(c, work, {
      loadId: '100.2',
      schema: schema([entries, users], 'hB'),
      tables: [
        { table: entries, rows: [{ id: 2, at: '2024-01-02T00:00:00Z' }] },
        { table: users, rows: [{ id: 3 }] },
      ],
      state: state('pipe', '100.2', 'S2'),
    })
    // repeat the last package: same keys, nothing duplicated
    await runPackage(c, work, {
      loadId: '100.2',
      schema: schema([entries, users], 'hB'),
      tables: [
        { table: entries, rows: [{ id: 2, at: '2024-01-02T00:00:00Z' }] },
        { table: users, rows: [{ id: 3 }] },
      ],
      state: state('pipe', '100.2', 'S2'),
    })
    await c[Symbol.asyncDispose]()

    const store = createStore(options())
    const keys = await store.list('lake/')
    expect(keys.filter((k) => !k.includes('/_sluice'))).toEqual([
      'lake/entries/100.1.0.parquet',
      'lake/entries/100.2.0.parquet',
      'lake/users/100.2.0.parquet',
    ])
    expect(keys).toContain('lake/_sluice_loads/100.2.json')
    expect(keys.some((k) => k.startsWith('lake/_sluice_pending/'))).toBe(false)

    // the bytes on S3 are valid parquet with the right types
    const local = await tempDir('sluice-s3-read-')
    directories.push(local)
    for (const k of keys.filter((k) => k.endsWith('.parquet'))) {
      await writeFile(join(local, k.replaceAll('/', '_')), (await store.get(k))!)
    }
    const { rows, types } = await duck(
      `SELECT id, "at" FROM read_parquet(${lit(`${local}/lake_entries_*.parquet`)}) ORDER BY id`,
    )
    expect(types).toMatchObject({ id: 'BIGINT', at: 'TIMESTAMP WITH TIME ZONE' })
    expect(rows.map((r) => r['id'])).toEqual([1, 2])
    await store.close?.()

    const fresh = await d.createClient(ctx)
    await fresh.initialize()
    expect(await fresh.getStoredState('pipe')).toMatchObject({ state: 'S2' })
    expect(await fresh.getStoredSchema('clockodo')).toMatchObject({ versionHash: 'hB' })
    await fresh[Symbol.asyncDispose]()
  })

  it('gzip jsonl on S3, with the S3 client injected', async () => {
    const s3Client = new S3Client({
      endpoint: endpointUrl,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: SECRET },
      requestChecksumCalculation: 'WHEN_REQUIRED',
    })
    const d = filesystem({ bucketUrl: 's3://sluice-test/injected', s3Client, compression: 'gzip' })
    const c = await d.createClient(ctx)
    await runPackage(c, work, {
      loadId: '5.1',
      schema: schema([entries]),
      tables: [{ table: entries, rows: [{ id: 9 }] }],
    })
    const store = createStore({ bucketUrl: 's3://sluice-test/injected', s3Client })
    const bytes = await store.get('lake/entries/5.1.0.jsonl.gz')
    expect(bytes?.[0]).toBe(0x1f)
    expect(bytes?.[1]).toBe(0x8b)
    expect(await store.get('lake/entries/missing.jsonl')).toBeUndefined()
    s3Client.destroy()
  })

  it('refuses merge on S3 as well', async () => {
    const merged = table('projects', [['id', 'bigint']], 'merge')
    const c = await filesystem(options()).createClient(ctx)
    const { load } = await preparePackage(work, {
      loadId: '7.1',
      schema: schema([merged]),
      tables: [{ table: merged, rows: [] }],
    })
    await expect(c.startLoad(load)).rejects.toThrow(/append' or 'replace'/)
    await c[Symbol.asyncDispose]()
  })

  it('a missing bucket gives a clear error without secrets', async () => {
    const c = await filesystem(options({ bucketUrl: 's3://no-such-bucket/x' })).createClient(ctx)
    const error = await c.initialize().catch((e: unknown) => e)
    expect(isSluiceError(error, 'FILESYSTEM_S3')).toBe(true)
    expect((error as Error).message).toMatch(/NoSuchBucket/)
    expect((error as Error).message).toMatch(/create the bucket/)
    expect((error as Error).message).not.toContain(SECRET)
    await c[Symbol.asyncDispose]()
  })

  it('wrong credentials give an error naming the setting, not the secret', async () => {
    const secret = 'very-secret-value-123'
    const c = await filesystem({
      bucketUrl: 's3://sluice-test/x',
      credentials: { awsAccessKeyId: 'WRONG', awsSecretAccessKey: secret, endpointUrl },
    }).createClient(ctx)
    const error = await c.initialize().catch((e: unknown) => e)
    expect(isSluiceError(error, 'FILESYSTEM_S3')).toBe(true)
    expect((error as Error).message).toMatch(/AWS_ACCESS_KEY_ID/)
    expect((error as Error).message).not.toContain(secret)
    await c[Symbol.asyncDispose]()
  })

  it('staging: stageJob converts, uploads and returns the s3:// URL; remove deletes', async () => {
    const staging = filesystemStaging({ ...options({ format: 'parquet' }), datasetName: 'stage' })
    const { jobs } = await preparePackage(work, {
      loadId: '8.1',
      schema: schema([entries]),
      tables: [{ table: entries, rows: [{ id: 1 }, { id: 2 }] }],
    })
    const staged = await staging.stageJob(jobs[0]!)
    expect(staged).toEqual({
      url: 's3://sluice-test/data/v1/stage/entries/8.1.0.parquet',
      key: 'stage/entries/8.1.0.parquet',
      format: 'parquet',
      gzip: false,
      rows: 2,
    })
    const asJsonl = await staging.stageJob(jobs[0]!, { format: 'jsonl', dataset: 'other' })
    expect(asJsonl.url).toBe('s3://sluice-test/data/v1/other/entries/8.1.0.jsonl')
    expect(await staging.store.list('stage/')).toEqual(['stage/entries/8.1.0.parquet'])
    await staging.remove([staged, asJsonl])
    expect(await staging.store.list('stage/')).toEqual([])
    expect(await staging.store.list('other/')).toEqual([])
    await staging.close()
  })
})

/**
 * A proxy in front of s3rver that records the multipart calls, refuses part `refuse` and answers
 * AbortMultipartUpload (which s3rver does not implement).
 */
async function multipartProxy(
  refuse?: number,
): Promise<{ url: string; seen: string[]; most: () => number; close(): Promise<void> }> {
  const seen: string[] = []
  let inFlight = 0
  let most = 0
  const target = new URL(endpointUrl)
  const proxy = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy')
    const uploadId = url.searchParams.get('uploadId')
    const part = url.searchParams.get('partNumber')
    seen.push(
      `${req.method} ${url.searchParams.has('uploads') ? 'create' : uploadId ? (part ?? 'upload') : 'object'}`,
    )
    if (req.method === 'PUT' && part === String(refuse)) {
      req.resume()
      res.writeHead(403, { 'content-type': 'application/xml' })
      return res.end('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>no</Message></Error>')
    }
    if (req.method === 'DELETE' && uploadId) {
      req.resume()
      res.writeHead(204)
      return res.end()
    }
    if (part) {
      most = Math.max(most, ++inFlight)
      res.once('close', () => inFlight--)
    }
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers)
        answer.pipe(res)
      },
    )
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`,
    seen,
    most: () => most,
    close: async () => {
      proxy.closeAllConnections()
      await new Promise((resolve) => proxy.close(resolve))
    },
  }
}

describe('S3 multipart uploads', () => {
  const parts = { multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024, uploadConcurrency: 2 }
  const bytes = new Uint8Array(12 * 1024 * 1024).map((_, i) => (i * 7) % 256)
  const through = (url: string, extra: Partial<FilesystemOptions> = {}) =>
    createStore({
      ...options(),
      credentials: { ...options().credentials, endpointUrl: url },
      ...parts,
      ...extra,
    })

  it('files over the threshold go up in parts, two at a time, and read back whole', async () => {
    const file = join(work, 'big.bin')
    await writeFile(file, bytes)
    const proxy = await multipartProxy()
    try {
      const store = through(proxy.url)
      await store.putFile('multi/big.bin', file)
      await store.put('multi/big-bytes.bin', bytes)
      await store.put('multi/small.bin', bytes.subarray(0, 1000))
      const once = ['POST create', 'PUT 1', 'PUT 2', 'PUT 3', 'POST upload']
      expect(proxy.seen.slice(0, 10).sort()).toEqual([...once, ...once].sort())
      expect(proxy.seen.slice(10)).toEqual(['PUT object'])
      expect(proxy.most()).toBe(2)
      for (const key of ['multi/big.bin', 'multi/big-bytes.bin'])
        expect(Buffer.from((await store.get(key))!).equals(bytes)).toBe(true)
      await store.close?.()
    } finally {
      await proxy.close()
    }
  })

  it('a failing part aborts the upload (AbortMultipartUpload), and nothing appears', async () => {
    const proxy = await multipartProxy(2)
    try {
      const store = through(proxy.url, { uploadConcurrency: 1 })
      const error = await store.put('multi/aborted.bin', bytes).catch((e: unknown) => e)
      expect(isSluiceError(error, 'FILESYSTEM_S3')).toBe(true)
      expect((error as Error).message).toMatch(/AccessDenied/)
      expect(proxy.seen).toEqual(['POST create', 'PUT 1', 'PUT 2', 'DELETE upload'])
      expect(await store.get('multi/aborted.bin')).toBeUndefined()
      await store.close?.()
    } finally {
      await proxy.close()
    }
  })
})
