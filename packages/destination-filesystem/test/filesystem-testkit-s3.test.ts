import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { testDestination } from '@sluice/destination-testkit'
import S3rver from 's3rver'
import { afterAll, beforeAll } from 'vitest'
import { createStore, type FilesystemOptions, filesystem, safeSegment } from '../src/index.ts'
import { tempDir } from './helpers.ts'
import { openDuck, readTable } from './testkit-reader.ts'

// The conformance suites against a real S3 API (s3rver on 127.0.0.1); tables are read by mirroring the
// dataset's objects to a local folder and reading that with DuckDB (httpfs cannot be installed here).
let server: S3rver
let options: FilesystemOptions
const duck = await openDuck()
const mirror = await tempDir('sluice-s3-mirror-')
const directory = await tempDir('sluice-s3rver-')

beforeAll(async () => {
  server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: 'sluice-kit' }],
  })
  const { port } = await server.run()
  options = {
    bucketUrl: 's3://sluice-kit/conformance',
    format: 'parquet',
    credentials: {
      awsAccessKeyId: 'S3RVER',
      awsSecretAccessKey: 'S3RVER',
      endpointUrl: `http://127.0.0.1:${port}`,
    },
  }
})

afterAll(async () => {
  duck.close()
  await server?.close()
  await rm(mirror, { recursive: true, force: true })
  await rm(directory, { recursive: true, force: true })
})

async function download(dataset: string): Promise<void> {
  const store = createStore(options)
  const ds = safeSegment(dataset)
  await rm(join(mirror, ds), { recursive: true, force: true })
  for (const key of await store.list(`${ds}/`)) {
    const file = join(mirror, ...key.split('/'))
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, (await store.get(key)) ?? new Uint8Array())
  }
  await store.close?.()
}

testDestination({
  name: 'filesystem-s3-parquet',
  create: () => filesystem(options),
  async readTable(dataset, table) {
    await download(dataset)
    return readTable(duck.conn, mirror, 'parquet', dataset, table)
  },
  async cleanup(dataset) {
    const store = createStore(options)
    await store.delete(await store.list(`${safeSegment(dataset)}/`))
    await store.close?.()
  },
})
