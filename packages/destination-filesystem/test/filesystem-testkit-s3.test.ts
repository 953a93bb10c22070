import { rm } from 'node:fs/promises'
import S3rver from 's3rver'
import { afterAll, beforeAll } from 'vitest'
import type { FilesystemOptions } from '../src/index.ts'
import { tempDir } from './helpers.ts'
import { testBucket } from './testkit-bucket.ts'

// The conformance suites against a real S3 API (s3rver on 127.0.0.1).
let server: S3rver
let options: FilesystemOptions
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
  await server?.close()
  await rm(directory, { recursive: true, force: true })
})

await testBucket('filesystem-s3-parquet', () => options)
