import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { testDestination } from '@sluice/destination-testkit'
import { afterAll } from 'vitest'
import { createStore, type FilesystemOptions, filesystem, safeSegment } from '../src/index.ts'
import { tempDir } from './helpers.ts'
import { openDuck, readTable } from './testkit-reader.ts'

/**
 * The conformance suites against a bucket (s3rver, Azurite, the GCS fake) in one format: tables are read by
 * mirroring the dataset's objects to a local folder and reading that with DuckDB (httpfs cannot be installed
 * here). `options` is called once the server runs (in the suites' hooks).
 */
export async function testBucket(name: string, options: () => FilesystemOptions): Promise<void> {
  const duck = await openDuck()
  const mirror = await tempDir('sluice-bucket-mirror-')
  afterAll(async () => {
    duck.close()
    await rm(mirror, { recursive: true, force: true })
  })
  const download = async (dataset: string): Promise<void> => {
    const store = createStore(options())
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
    name,
    create: () => filesystem(options()),
    async readTable(dataset, table) {
      await download(dataset)
      return readTable(duck.conn, mirror, options().format ?? 'jsonl', dataset, table)
    },
    async cleanup(dataset) {
      const store = createStore(options())
      await store.delete(await store.list(`${safeSegment(dataset)}/`))
      await store.close?.()
    },
  })
}
