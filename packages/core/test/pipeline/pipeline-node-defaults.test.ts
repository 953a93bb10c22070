import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createConfig, envProvider } from '../../src/config/config-resolve.ts'
import { isSluiceError } from '../../src/errors.ts'
import {
  defaultPipelinesDir,
  loadDestinationPackage,
  nodeFileSystem,
  pipeline as nodePipeline,
} from '../../src/node/index.ts'
import { pipeline } from '../../src/pipeline/pipeline-runner.ts'
import type { PipelineOptions } from '../../src/pipeline/pipeline-types.ts'
import type { Source } from '../../src/source/source-types.ts'
import { useTempDir } from '../temp-dir.ts'
import { FakeDestination } from './fake-destination.ts'

let dir: string
useTempDir('sluice-node-defaults-', (d) => {
  dir = d
})

const source: Source = {
  name: 'shop',
  resources: [
    {
      name: 'items',
      async *read() {
        yield [{ id: 1 }, { id: 2 }]
      },
    },
  ],
}

describe('where a pipeline keeps its files', () => {
  it("core's pipeline takes no file system from the runtime and says where the defaults are", () => {
    const destination = new FakeDestination()
    for (const missing of [
      { pipelinesDir: dir },
      { fs: nodeFileSystem() },
      { fs: nodeFileSystem(), pipelinesDir: '' },
    ]) {
      let error: unknown
      try {
        pipeline({ pipelineName: 'p', destination, ...missing } as PipelineOptions)
      } catch (e) {
        error = e
      }
      expect(isSluiceError(error, 'CONFIG_INVALID')).toBe(true)
      expect((error as Error).message).toContain("import { pipeline } from '@sluice/core/node'")
    }
  })

  it('the Node.js pipeline defaults the directory to ~/.sluice/pipelines and the file system to the disk', async () => {
    const destination = new FakeDestination()
    expect(nodePipeline({ pipelineName: 'p', destination }).pipelinesDir).toBe(defaultPipelinesDir())
    const p = nodePipeline({ pipelineName: 'shop_pipeline', destination, pipelinesDir: dir })
    expect(p.pipelinesDir).toBe(dir)
    const info = await p.run(source)
    expect(info.tables.items?.rows).toBe(2)
    expect(await readdir(join(dir, 'shop_pipeline'))).toContain('state.json')
  })
})

describe('a pipeline created without a destination (Node.js)', () => {
  it('rebuilds the recorded destination through its package: recorded settings below the config given now', async () => {
    const built: Record<string, unknown>[] = []
    const destination = new FakeDestination()
    ;(destination as { publicConfig?: () => Record<string, unknown> }).publicConfig = () => ({
      credentials: { host: 'db.example', database: 'shop' },
      pool_size: 3,
    })
    await nodePipeline({ pipelineName: 'shop_pipeline', destination, pipelinesDir: dir }).run(source)
    const fakePackage = {
      destination: {
        name: 'postgres',
        keys: [{ key: 'credentials', description: 'credentials', required: true, secret: true }],
        fromConfig: (section: Record<string, unknown>) => {
          built.push(section)
          return destination
        },
      },
    }
    // the record names `fake`; the importer maps the registry's package name to the fake package
    const record = JSON.parse(await readFile(join(dir, 'shop_pipeline', 'destination.json'), 'utf8'))
    record.name = 'postgres'
    await writeFile(join(dir, 'shop_pipeline', 'destination.json'), JSON.stringify(record))
    const attached = nodePipeline({
      pipelineName: 'shop_pipeline',
      pipelinesDir: dir,
      config: createConfig([
        envProvider({
          DESTINATION__POSTGRES__CREDENTIALS__PASSWORD: 'pw-from-env',
          DESTINATION__POSTGRES__POOL_SIZE: '8',
        }),
      ]),
      importer: async (specifier) => {
        expect(specifier).toBe('@sluice/destination-postgres')
        return fakePackage
      },
    })
    const rows = await attached.run(source)
    expect(rows.tables.items?.rows).toBe(2)
    expect(built).toEqual([
      { credentials: { host: 'db.example', database: 'shop', password: 'pw-from-env' }, pool_size: '8' },
    ])
  })

  it('a destination given as an open instance records no settings, and is not rebuilt from them', async () => {
    const destination = new FakeDestination()
    ;(destination as { publicConfig?: () => undefined }).publicConfig = () => undefined
    await nodePipeline({ pipelineName: 'shop_pipeline', destination, pipelinesDir: dir }).run(source)
    const attached = nodePipeline({ pipelineName: 'shop_pipeline', pipelinesDir: dir })
    expect(await attached.destinationRecord()).not.toHaveProperty('config')
    const error = await attached.run(source).catch((e: unknown) => e)
    expect(isSluiceError(error, 'CONFIG_MISSING')).toBe(true)
    expect((error as Error).message).toMatch(/cannot be rebuilt from settings: .*pass the destination/)
    // a destination without publicConfig records no settings: the configuration alone rebuilds it
    await nodePipeline({ pipelineName: 'plain', destination: new FakeDestination(), pipelinesDir: dir }).run(
      source,
    )
    expect(
      (await nodePipeline({ pipelineName: 'plain', pipelinesDir: dir }).destinationRecord())?.config,
    ).toEqual({})
  })

  it('a destination package that is not installed is DEPENDENCY_MISSING naming it; an unknown name lists the known', async () => {
    const missing = Object.assign(new Error("Cannot find package '@sluice/destination-bigquery'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    const error = await loadDestinationPackage('bigquery', {
      importer: () => Promise.reject(missing),
    }).catch((e: unknown) => e)
    expect(isSluiceError(error, 'DEPENDENCY_MISSING')).toBe(true)
    expect((error as Error).message).toBe(
      'destination "bigquery" needs the package @sluice/destination-bigquery: install it with `npm install @sluice/destination-bigquery`',
    )
    await expect(loadDestinationPackage('oracle')).rejects.toThrow(
      /unknown destination "oracle": use one of duckdb, postgres/,
    )
  })
})
