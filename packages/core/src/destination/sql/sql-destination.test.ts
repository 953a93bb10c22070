import { describe, expect, it } from 'vitest'
import type { PipelineEvent } from '../../events.ts'
import type { Schema, Table } from '../../schema/schema-types.ts'
import type { Stage, StagedFile } from '../destination-stage.ts'
import type {
  DestinationCapabilities,
  DestinationClient,
  DestinationContext,
  LoadJob,
  PackageLoad,
} from '../destination-types.ts'
import { sqlDestination } from './sql-destination.ts'
import type { SqlClient, SqlDestinationOptions, SqlDialect, SqlExecutor, StagedLoad } from './sql-types.ts'

// sqlDestination() and the hooks a destination package gives it: the dataset lock, staging-optimized replace by
// move or clone, loading through a stage, the engine's identifier case.

const dialect: SqlDialect = {
  name: 'fake',
  quoteIdentifier: (n) => `"${n.replaceAll('"', '""')}"`,
  columnType: (c) => c.dataType.toUpperCase(),
}

const caps = (ddlInTransactions: boolean, extra: Partial<DestinationCapabilities> = {}) =>
  ({
    fileFormats: ['jsonl'],
    writeDispositions: ['append', 'replace', 'merge'],
    mergeStrategies: ['delete-insert'],
    replaceStrategies: ['insert-from-staging', 'staging-optimized'],
    transactions: true,
    ddlInTransactions,
    maxIdentifierLength: 63,
    identifierCase: 'lower',
    ...extra,
  }) satisfies DestinationCapabilities

interface Logged {
  sql: string
  inTx: boolean
}

/** A client that logs every statement (and whether it ran in the transaction) and answers queries with `answer`. */
function fakeClient(answer: (sql: string) => Record<string, unknown>[] = () => []) {
  const log: Logged[] = []
  const calls: string[] = []
  const exec = (inTx: boolean): SqlExecutor => ({
    async execute(sql) {
      log.push({ sql, inTx })
    },
    async query<T extends Record<string, unknown>>(sql: string) {
      log.push({ sql, inTx })
      return answer(sql) as T[]
    },
  })
  const client: SqlClient = {
    dialect,
    ...exec(false),
    transaction: (fn) => fn(exec(true)),
    bulkLoad: async () => {
      calls.push('bulkLoad')
      return 1
    },
    schemaExists: async () => true,
    [Symbol.asyncDispose]: async () => {
      calls.push('dispose')
    },
  }
  return { client, log, calls }
}

const items: Table = {
  name: 'items',
  writeDisposition: 'replace',
  columns: [
    { name: 'id', dataType: 'bigint' },
    { name: '_sluice_load_id', dataType: 'text' },
    { name: '_sluice_id', dataType: 'text' },
  ],
}
const kids: Table = {
  name: 'items__kids',
  parent: 'items',
  writeDisposition: 'replace',
  columns: [
    { name: 'k', dataType: 'text' },
    { name: '_sluice_parent_id', dataType: 'text' },
    { name: '_sluice_id', dataType: 'text' },
  ],
}
const schema: Schema = {
  name: 's',
  version: 1,
  versionHash: 'h1',
  previousHashes: [],
  tables: { items, items__kids: kids },
}
const replaceLoad = (strategy?: 'staging-optimized'): PackageLoad => ({
  loadId: '1700000000.1',
  schema,
  tables: [
    { table: items, disposition: 'replace', rows: 1, ...(strategy ? { replaceStrategy: strategy } : {}) },
    { table: kids, disposition: 'replace', rows: 1 },
  ],
})
const job: LoadJob = {
  loadId: '1700000000.1',
  jobId: 'items.1.jsonl',
  table: items,
  file: '/f',
  format: 'jsonl',
  rows: 1,
}

function ctx(events: PipelineEvent[] = [], signal?: AbortSignal): DestinationContext {
  return { datasetName: 'ds', pipelineName: 'p', emit: (e) => events.push(e), ...(signal ? { signal } : {}) }
}

async function open(
  client: SqlClient,
  options: Partial<SqlDestinationOptions> = {},
  events: PipelineEvent[] = [],
): Promise<DestinationClient> {
  const destination = sqlDestination({
    name: 'fake',
    capabilities: caps(true),
    location: 'fake://x',
    connect: async () => client,
    ...options,
  })
  return destination.createClient(ctx(events))
}

describe('dataset lock (SqlClient.lockDataset)', () => {
  function locking(waits = false) {
    const fake = fakeClient()
    const trail: string[] = []
    fake.client.lockDataset = async (dataset, onWait) => {
      trail.push(`lock ${dataset}`)
      if (waits) onWait()
      return async () => {
        trail.push('unlock')
      }
    }
    const execute = fake.client.execute
    fake.client.execute = async (sql, params) => {
      trail.push(sql.split(' ')[0] ?? '')
      await execute(sql, params)
    }
    return { ...fake, trail }
  }

  it('is taken once before the first migrate and released after complete', async () => {
    const { client, trail } = locking()
    const dest = await open(client)
    await dest.migrate(schema, [])
    await dest.startLoad(replaceLoad())
    await dest.prepareTables?.('1700000000.1', [items])
    await dest.complete(replaceLoad())
    expect(trail[0]).toBe('lock ds')
    expect(trail.filter((t) => t.startsWith('lock'))).toHaveLength(1)
    expect(trail.at(-1)).toBe('unlock')
    await dest.dropTables?.(['items'])
    expect(trail.filter((t) => t.startsWith('lock'))).toHaveLength(2)
    await dest[Symbol.asyncDispose]()
    expect(trail.at(-1)).toBe('unlock')
  })

  it('stays held when the publish fails, and goes with the client', async () => {
    const { client, trail } = locking()
    client.transaction = async () => {
      throw new Error('publish failed')
    }
    const dest = await open(client)
    await dest.startLoad(replaceLoad())
    await expect(dest.complete(replaceLoad())).rejects.toThrow('publish failed')
    expect(trail).not.toContain('unlock')
    await dest[Symbol.asyncDispose]()
    expect(trail.filter((t) => t === 'unlock')).toHaveLength(1)
  })

  it('emits a warning while another load holds it', async () => {
    const { client } = locking(true)
    const events: PipelineEvent[] = []
    const dest = await open(client, {}, events)
    await dest.migrate(schema, [])
    expect(events).toEqual([
      { type: 'warning', message: 'another load into dataset "ds" is running; waiting for it to finish' },
    ])
  })
})

describe('staging-optimized replace', () => {
  const move: SqlDialect = { ...dialect, moveTableSql: (s, d) => `ALTER TABLE ${s} SET SCHEMA ${d}` }
  const clone: SqlDialect = { ...dialect, cloneTableSql: (t, s) => `CREATE OR REPLACE TABLE ${t} CLONE ${s}` }

  it('moves the staging tables into the dataset in the publish transaction', async () => {
    const { client, log } = fakeClient()
    const dest = await open({ ...client, dialect: move }, { replaceStrategy: 'staging-optimized' })
    await dest.complete(replaceLoad())
    const sql = log.filter((l) => !l.sql.startsWith('SELECT') && !l.sql.includes('"ds"."_sluice_'))
    expect(sql.map((l) => l.sql)).toEqual([
      'DROP TABLE IF EXISTS "ds"."items__kids"',
      'DROP TABLE IF EXISTS "ds"."items"',
      'ALTER TABLE "ds_staging"."items" SET SCHEMA "ds"',
      'CREATE TABLE IF NOT EXISTS "ds_staging"."items" ("id" BIGINT, "_sluice_load_id" TEXT, "_sluice_id" TEXT)',
      'ALTER TABLE "ds_staging"."items__kids" SET SCHEMA "ds"',
      'CREATE TABLE IF NOT EXISTS "ds_staging"."items__kids" ("k" TEXT, "_sluice_parent_id" TEXT, "_sluice_id" TEXT)',
    ])
    expect(sql.every((l) => l.inTx)).toBe(true)
  })

  it("follows the table load's strategy over the destination's default", async () => {
    const { client, log } = fakeClient()
    const dest = await open({ ...client, dialect: move })
    await dest.complete(replaceLoad('staging-optimized'))
    expect(log.some((l) => l.sql.includes('SET SCHEMA'))).toBe(true)
    const plain = fakeClient()
    await (await open({ ...plain.client, dialect: move })).complete(replaceLoad())
    expect(plain.log.some((l) => l.sql.includes('SET SCHEMA'))).toBe(false)
    expect(plain.log.some((l) => l.sql.startsWith('INSERT INTO "ds"."items"'))).toBe(true)
  })

  it('does not move without transactional DDL, and copies without a hook', async () => {
    for (const [d, ddl] of [
      [move, false],
      [dialect, true],
    ] as const) {
      const { client, log } = fakeClient()
      const dest = await open(
        { ...client, dialect: d },
        { replaceStrategy: 'staging-optimized', capabilities: caps(ddl) },
      )
      await dest.complete(replaceLoad())
      expect(log.some((l) => l.sql.includes('SET SCHEMA') || l.sql.startsWith('DROP'))).toBe(false)
      expect(log.some((l) => l.sql.startsWith('INSERT INTO "ds"."items" '))).toBe(true)
    }
  })

  it('clones before the publish transaction where DDL is not transactional, inside it where it is', async () => {
    for (const ddl of [false, true]) {
      const { client, log } = fakeClient()
      const dest = await open(
        { ...client, dialect: clone },
        { replaceStrategy: 'staging-optimized', capabilities: caps(ddl) },
      )
      await dest.complete(replaceLoad())
      const clones = log.filter((l) => l.sql.includes('CLONE'))
      expect(clones.map((l) => l.sql)).toEqual([
        'CREATE OR REPLACE TABLE "ds"."items" CLONE "ds_staging"."items"',
        'CREATE OR REPLACE TABLE "ds"."items__kids" CLONE "ds_staging"."items__kids"',
      ])
      expect(clones.every((l) => l.inTx === ddl)).toBe(true)
      expect(log.some((l) => l.sql.startsWith('INSERT INTO "ds"."items" '))).toBe(false)
      expect(log.at(-1)?.sql).toMatch(/^INSERT INTO "ds"."_sluice_loads"/)
    }
  })

  it('clones nothing for a load that was published before', async () => {
    const { client, log } = fakeClient((sql) => (sql.includes('_sluice_loads') ? [{ load_id: 'x' }] : []))
    const dest = await open(
      { ...client, dialect: clone },
      { replaceStrategy: 'staging-optimized', capabilities: caps(false) },
    )
    await dest.complete(replaceLoad())
    expect(log.some((l) => l.sql.includes('CLONE'))).toBe(false)
  })
})

describe('loading through a stage (staging)', () => {
  function stage(rootUrl = 'gs://bucket/pre') {
    const trail: string[] = []
    const s: Stage = {
      rootUrl,
      credentials: { awsAccessKeyId: 'AK', awsSecretAccessKey: 'SK' },
      async stageJob(j, options): Promise<StagedFile> {
        trail.push(`stage ${j.jobId} ${options.dataset} ${options.format}`)
        return {
          url: `${rootUrl}/ds/items/1.jsonl.gz`,
          key: 'ds/items/1.jsonl.gz',
          format: 'jsonl',
          gzip: true,
          rows: 1,
        }
      },
      async remove(files) {
        trail.push(`remove ${files.map((f) => f.key).join(',')}`)
      },
      async close() {
        trail.push('close')
      },
    }
    return { stage: s, trail }
  }
  const staged = caps(true, { loadsFromStage: 'optional' })

  it('uploads each job file, loads it from its URL, removes it, and closes the stage with the client', async () => {
    const { stage: s, trail } = stage()
    const { client, calls } = fakeClient()
    const loads: StagedLoad[] = []
    client.loadStaged = async (load) => {
      loads.push(load)
      return 1
    }
    const dest = await open(client, { capabilities: staged, staging: s })
    expect(await dest.load(job, new AbortController().signal)).toEqual({
      rows: 1,
      location: 'gs://bucket/pre/ds/items/1.jsonl.gz',
    })
    expect(loads).toEqual([
      {
        file: {
          url: 'gs://bucket/pre/ds/items/1.jsonl.gz',
          key: 'ds/items/1.jsonl.gz',
          format: 'jsonl',
          gzip: true,
          rows: 1,
        },
        credentials: { awsAccessKeyId: 'AK', awsSecretAccessKey: 'SK' },
        qualifiedTable: '"ds_staging"."items"',
        columns: items.columns,
      },
    ])
    expect(calls).not.toContain('bulkLoad')
    await dest[Symbol.asyncDispose]()
    expect(trail).toEqual(['stage items.1.jsonl ds jsonl', 'remove ds/items/1.jsonl.gz', 'close'])
  })

  it('keeps staged files when asked', async () => {
    const { stage: s, trail } = stage()
    const { client } = fakeClient()
    client.loadStaged = async () => 1
    const dest = await open(client, { capabilities: staged, staging: s, keepStagedFiles: true })
    await dest.load(job, new AbortController().signal)
    expect(trail.some((t) => t.startsWith('remove'))).toBe(false)
  })

  it("is checked once, when the destination is made: capability, the engine's checkStage, a required stage", () => {
    const base = { name: 'fake', location: 'x', connect: async () => fakeClient().client }
    expect(() => sqlDestination({ ...base, capabilities: caps(true), staging: stage().stage })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('[fake] cannot load job files from a staging bucket'),
      }),
    )
    const checked: string[] = []
    sqlDestination({
      ...base,
      capabilities: staged,
      staging: stage().stage,
      checkStage: (s) => checked.push(s.rootUrl),
    })
    expect(checked).toEqual(['gs://bucket/pre'])
    expect(() =>
      sqlDestination({ ...base, capabilities: caps(true, { loadsFromStage: 'required' }) }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_MISSING' }))
  })
})

describe("the engine's identifier case", () => {
  it('upper-cases identifiers and the schema names the client is asked about where identifierCase is upper', async () => {
    const { client, log } = fakeClient()
    const asked: string[] = []
    client.schemaExists = async (s) => {
      asked.push(s)
      return true
    }
    client.listColumns = async (schemas) => {
      asked.push(...schemas)
      return []
    }
    const dest = await open(client, { capabilities: caps(true, { identifierCase: 'upper' }) })
    await dest.getStoredSchema('s')
    await dest.initialize()
    expect(asked).toEqual(['DS', 'DS', 'DS_STAGING'])
    expect(log.map((l) => l.sql)).toContain(
      'CREATE TABLE IF NOT EXISTS "DS"."_SLUICE_LOADS" ("LOAD_ID" TEXT, "SCHEMA_NAME" TEXT, "STATUS" BIGINT, "INSERTED_AT" TIMESTAMP, "SCHEMA_VERSION_HASH" TEXT)',
    )
  })

  it('keeps names as given otherwise', async () => {
    const { client, log } = fakeClient()
    const dest = await open(client, { capabilities: caps(true, { identifierCase: 'lower' }) })
    await dest.initialize()
    expect(log.map((l) => l.sql)).toContain('CREATE SCHEMA IF NOT EXISTS "ds_staging"')
  })
})
