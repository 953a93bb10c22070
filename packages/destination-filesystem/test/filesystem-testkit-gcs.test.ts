import { afterAll, beforeAll } from 'vitest'
import type { FilesystemFormat, FilesystemOptions } from '../src/index.ts'
import { type GcsFake, startGcsFake } from '../src/test-servers/index.ts'
import { testBucket } from './testkit-bucket.ts'

// The conformance suites against the GCS JSON API (the fake on 127.0.0.1, driven by @google-cloud/storage), in
// each format; list pages of 5 objects so that paging is exercised.
let fake: GcsFake
beforeAll(async () => {
  fake = await startGcsFake({ buckets: ['conformance'], pageSize: 5 })
})
afterAll(() => fake?.stop())

for (const format of ['jsonl', 'parquet', 'csv'] as FilesystemFormat[]) {
  const options = (): FilesystemOptions => ({
    bucketUrl: `gs://conformance/${format}`,
    format,
    credentials: {
      clientEmail: fake.serviceAccount.client_email,
      privateKey: fake.serviceAccount.private_key,
      tokenUri: fake.serviceAccount.token_uri,
      endpointUrl: fake.endpoint,
    },
  })
  await testBucket(`filesystem-gcs-${format}`, options)
}
