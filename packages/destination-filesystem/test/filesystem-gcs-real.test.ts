import { describe, test } from 'vitest'
import type { FilesystemOptions } from '../src/index.ts'
import { bucketBehaviour } from './bucket-behaviour.ts'
import { testBucket } from './testkit-bucket.ts'

// The GCS suites against a real bucket, opt-in: set SLUICE_TEST_GCS_BUCKET (a bucket the key may read, write,
// list and delete objects in) and SLUICE_TEST_GCS_KEY_FILE (a service-account key file), optionally
// SLUICE_TEST_GCS_PREFIX (default sluice-test). Without them the JSON API fake's suites stand in.
const env = process.env
const options: FilesystemOptions | undefined =
  env.SLUICE_TEST_GCS_BUCKET && env.SLUICE_TEST_GCS_KEY_FILE
    ? {
        bucketUrl: `gs://${env.SLUICE_TEST_GCS_BUCKET}/${env.SLUICE_TEST_GCS_PREFIX ?? 'sluice-test'}/${Date.now()}`,
        format: 'parquet',
        credentials: { keyFile: env.SLUICE_TEST_GCS_KEY_FILE },
      }
    : undefined

if (!options) {
  console.info(
    '[test] real GCS suite skipped: SLUICE_TEST_GCS_BUCKET and SLUICE_TEST_GCS_KEY_FILE are not set (also optional _PREFIX); the GCS fake suites ran instead',
  )
  test.skip('real GCS bucket (no SLUICE_TEST_GCS_* variables)', () => {})
} else {
  const opts = options
  describe('filesystem destination on a real GCS bucket', () => {
    bucketBehaviour(() => opts)
  })
  await testBucket('filesystem-gcs-real-parquet', () => opts)
}
