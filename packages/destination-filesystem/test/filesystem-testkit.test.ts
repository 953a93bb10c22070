import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { testDestination } from '@sluice/destination-testkit'
import { afterAll } from 'vitest'
import { type FilesystemFormat, filesystem, safeSegment } from '../src/index.ts'
import { tempDir } from './helpers.ts'
import { openDuck, readTable } from './testkit-reader.ts'

const root = await tempDir('sluice-fs-testkit-')
const duck = await openDuck()
afterAll(async () => {
  duck.close()
  await rm(root, { recursive: true, force: true })
})

// merge suites skip themselves (mergeStrategies is empty); 'atomic complete' skips (transactions: false)
for (const format of ['jsonl', 'parquet', 'csv'] as FilesystemFormat[]) {
  const bucket = join(root, format)
  testDestination({
    name: `filesystem-${format}`,
    create: () => filesystem({ bucketUrl: bucket, format }),
    readTable: (dataset, table) => readTable(duck.conn, bucket, format, dataset, table),
    cleanup: (dataset) => rm(join(bucket, safeSegment(dataset)), { recursive: true, force: true }),
  })
}
