import { afterAll, beforeAll } from 'vitest'
import type { FilesystemFormat, FilesystemOptions } from '../src/index.ts'
import { AZURITE_ACCOUNT, AZURITE_KEY, type Azurite, startAzurite } from '../src/test-servers/index.ts'
import { testBucket } from './testkit-bucket.ts'

// The conformance suites against Azure Blob Storage's API (Azurite on 127.0.0.1), in each format.
let azurite: Azurite
beforeAll(async () => {
  azurite = await startAzurite()
  await azurite.createContainer('conformance')
}, 60_000)
afterAll(() => azurite?.stop())

for (const format of ['jsonl', 'parquet', 'csv'] as FilesystemFormat[]) {
  const options = (): FilesystemOptions => ({
    bucketUrl: `az://conformance/${format}`,
    format,
    credentials: {
      azureStorageAccountName: AZURITE_ACCOUNT,
      azureStorageAccountKey: AZURITE_KEY,
      endpointUrl: azurite.blobEndpoint,
    },
  })
  await testBucket(`filesystem-azure-${format}`, options)
}
