import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type PipelineEvent, pipeline } from '@sluice/core'
import { isSluiceError } from '@sluice/core/destination'
import { nodeFileSystem } from '@sluice/core/node'
import { createNormalizer } from '@sluice/core/testing'
import { loadOnce, open, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, describe, expect, it } from 'vitest'
import { quoteRedshiftIdentifier } from '../src/index.ts'
import { recorder } from './redshift-recorder.ts'

// Golden SQL: what core's SQL kit sends to Redshift through this package's dialect and capabilities, for the
// statements the compatibility profile cannot prove on PostgreSQL (types, one column per ALTER, names up to 127
// bytes), and the merge statements as Redshift receives them.
const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

const typed = table('all_types', [
  { name: 'id', dataType: 'bigint', primaryKey: true },
  { name: 'label', dataType: 'text' },
  { name: 'code', dataType: 'text', precision: 12 },
  { name: 'small', dataType: 'bigint', precision: 16 },
  { name: 'ratio', dataType: 'double' },
  { name: 'ok', dataType: 'bool' },
  { name: 'at', dataType: 'timestamp' },
  { name: 'day', dataType: 'date' },
  { name: 'clock', dataType: 'time' },
  { name: 'money', dataType: 'decimal', precision: 12, scale: 2 },
  { name: 'meta', dataType: 'json' },
  { name: 'blob', dataType: 'binary' },
])

describe('redshift DDL', () => {
  it('creates schemas and tables with Redshift types, inside a transaction', async () => {
    const r = recorder()
    const client = await open(r.destination, 'ds')
    r.log.length = 0
    await client.migrate(
      { name: 's', version: 1, versionHash: 'h', previousHashes: [], tables: { all_types: typed } },
      [{ kind: 'add-table', table: typed }],
    )
    const columns =
      '"id" bigint, "label" varchar(65535), "code" varchar(12), "small" smallint, "ratio" double precision, "ok" boolean, "at" timestamp with time zone, "day" date, "clock" time without time zone, "money" numeric(12,2), "meta" super, "blob" varbinary, "_sluice_load_id" varchar(65535), "_sluice_id" varchar(65535)'
    expect(r.log).toEqual([
      'BEGIN',
      `CREATE TABLE IF NOT EXISTS "ds"."all_types" (${columns})`,
      `CREATE TABLE IF NOT EXISTS "ds_staging"."all_types" (${columns})`,
      'COMMIT',
    ])
    await client[Symbol.asyncDispose]()
  })

  it('adds new columns with one ALTER TABLE ... ADD COLUMN each', async () => {
    const r = recorder()
    const client = await open(r.destination, 'ds')
    const before = table('items', [{ name: 'id', dataType: 'bigint' }])
    for (const schema of ['ds', 'ds_staging'])
      for (const c of before.columns)
        r.columns.push({ table_schema: schema, table_name: 'items', column_name: c.name })
    const after = table('items', [
      { name: 'id', dataType: 'bigint' },
      { name: 'note', dataType: 'text' },
      { name: 'meta', dataType: 'json' },
    ])
    r.log.length = 0
    await client.migrate(
      { name: 's', version: 2, versionHash: 'h2', previousHashes: [], tables: { items: after } },
      [],
    )
    expect(r.log).toEqual([
      'BEGIN',
      'ALTER TABLE "ds"."items" ADD COLUMN "note" varchar(65535)',
      'ALTER TABLE "ds"."items" ADD COLUMN "meta" super',
      'ALTER TABLE "ds_staging"."items" ADD COLUMN "note" varchar(65535)',
      'ALTER TABLE "ds_staging"."items" ADD COLUMN "meta" super',
      'COMMIT',
    ])
    await client[Symbol.asyncDispose]()
  })

  it('quotes names up to 127 bytes and refuses longer ones', () => {
    expect(quoteRedshiftIdentifier('n'.repeat(127))).toBe(`"${'n'.repeat(127)}"`)
    let error: unknown
    try {
      quoteRedshiftIdentifier('n'.repeat(128))
    } catch (e) {
      error = e
    }
    expect(isSluiceError(error, 'DESTINATION_IDENTIFIER')).toBe(true)
  })

  it('the pipeline shortens longer names to 127 bytes before they reach the dialect', async () => {
    const r = recorder()
    const dir = await mkdtemp(join(tmpdir(), 'sluice-redshift-sql-'))
    dirs.push(dir)
    const long = `a_field_${'with_a_very_long_name_'.repeat(8)}end`
    const p = pipeline(
      {
        pipelineName: 'golden',
        destination: r.destination,
        datasetName: 'ds',
        pipelinesDir: dir,
        fs: nodeFileSystem(),
      },
      { createNormalizer },
    )
    await p.run({
      name: 'golden',
      resources: [
        {
          name: 'things',
          async *read() {
            yield [{ id: 1, [long]: 'x' }]
          },
        },
      ],
    })
    const create = r.log.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS "ds"."things"')) ?? ''
    const names = [...create.matchAll(/"((?:[^"]|"")+)" /g)].map((m) => m[1] ?? '')
    const shortened = names.find((n) => n.startsWith('a_field_'))
    expect(long.length).toBeGreaterThan(127)
    expect(shortened).toBeDefined()
    expect(new TextEncoder().encode(shortened).length).toBeLessThanOrEqual(127)
  })
})

describe('redshift merge and replace', () => {
  const users = table(
    'users',
    [
      { name: 'id', dataType: 'bigint', primaryKey: true },
      { name: 'name', dataType: 'text' },
    ],
    {
      writeDisposition: 'merge',
      mergeStrategy: 'delete-insert',
    },
  )
  const roles = {
    name: 'users__roles',
    parent: 'users',
    writeDisposition: 'merge' as const,
    columns: [
      { name: 'value', dataType: 'text' as const },
      { name: '_sluice_parent_id', dataType: 'text' as const },
      { name: '_sluice_list_idx', dataType: 'bigint' as const },
      { name: '_sluice_root_id', dataType: 'text' as const },
      { name: '_sluice_id', dataType: 'text' as const },
    ],
  }

  it('delete-insert deletes through EXISTS on staging (children first) and inserts, all in the publish transaction', async () => {
    const r = recorder()
    const client = await open(r.destination, 'ds')
    r.log.length = 0
    const pkg = await loadOnce(client, [
      { table: users, rows: [{ id: 1, name: 'a', _sluice_load_id: 'l', _sluice_id: 'u1' }] },
      {
        table: roles,
        rows: [
          {
            value: 'x',
            _sluice_parent_id: 'u1',
            _sluice_list_idx: 0,
            _sluice_root_id: 'u1',
            _sluice_id: 'r1',
          },
        ],
      },
    ])
    const publish = r.log.slice(r.log.lastIndexOf('BEGIN'), r.log.lastIndexOf('COMMIT') + 1)
    const doomed =
      'SELECT t."_sluice_id" FROM "ds"."users" AS t WHERE EXISTS (SELECT 1 FROM "ds_staging"."users" AS s WHERE s."id" = t."id")'
    expect(publish.slice(0, 7)).toEqual([
      'BEGIN',
      `SELECT "load_id" FROM "ds"."_sluice_loads" WHERE "load_id" = $1`,
      'SELECT 1 AS "_sluice_dup" FROM "ds_staging"."users" GROUP BY "id" HAVING COUNT(*) > 1 LIMIT 1',
      `DELETE FROM "ds"."users__roles" WHERE "_sluice_root_id" IN (${doomed})`,
      `DELETE FROM "ds"."users" WHERE "_sluice_id" IN (${doomed})`,
      'INSERT INTO "ds"."users" ("id", "name", "_sluice_load_id", "_sluice_id") SELECT w."id", w."name", w."_sluice_load_id", w."_sluice_id" FROM (SELECT "id", "name", "_sluice_load_id", "_sluice_id" FROM "ds_staging"."users") AS w WHERE 1 = 1',
      'INSERT INTO "ds"."users__roles" ("value", "_sluice_parent_id", "_sluice_list_idx", "_sluice_root_id", "_sluice_id") SELECT s."value", s."_sluice_parent_id", s."_sluice_list_idx", s."_sluice_root_id", s."_sluice_id" FROM "ds_staging"."users__roles" AS s WHERE s."_sluice_root_id" IN (SELECT w."_sluice_id" FROM (SELECT "id", "name", "_sluice_load_id", "_sluice_id" FROM "ds_staging"."users") AS w WHERE 1 = 1)',
    ])
    expect(publish.at(-2)).toMatch(/^INSERT INTO "ds"."_sluice_loads"/)
    expect(publish.at(-1)).toBe('COMMIT')
    expect(pkg.loadId).toBeTruthy()
    await client[Symbol.asyncDispose]()
  })

  it('scd2 retires missing rows and inserts new versions; replace empties and copies from staging', async () => {
    const r = recorder()
    const client = await open(r.destination, 'ds')
    const hist = table('hist', [{ name: 'name', dataType: 'text' }], {
      writeDisposition: 'merge',
      mergeStrategy: 'scd2',
    })
    const snap = table('snap', [{ name: 'id', dataType: 'bigint' }], { writeDisposition: 'replace' })
    r.log.length = 0
    await loadOnce(client, [
      { table: hist, rows: [{ name: 'a', _sluice_load_id: 'l', _sluice_id: 'h1' }] },
      { table: snap, rows: [{ id: 1, _sluice_load_id: 'l', _sluice_id: 's1' }] },
    ])
    const publish = r.log.slice(r.log.lastIndexOf('BEGIN'))
    expect(publish).toContain(
      'UPDATE "ds"."hist" SET "_sluice_valid_to" = CAST($1 AS timestamp with time zone) WHERE "_sluice_valid_to" IS NULL AND "_sluice_id" NOT IN (SELECT s."_sluice_id" FROM "ds_staging"."hist" AS s WHERE 1 = 1)',
    )
    expect(publish).toContain(
      'INSERT INTO "ds"."hist" ("name", "_sluice_load_id", "_sluice_id", "_sluice_valid_from", "_sluice_valid_to") SELECT n."name", n."_sluice_load_id", n."_sluice_id", CAST($1 AS timestamp with time zone), NULL FROM (SELECT r."name", r."_sluice_load_id", r."_sluice_id" FROM (SELECT "name", "_sluice_load_id", "_sluice_id", ROW_NUMBER() OVER (PARTITION BY "_sluice_id") AS "_sluice_dedup_rn" FROM "ds_staging"."hist") AS r WHERE r."_sluice_dedup_rn" = 1) AS n WHERE 1 = 1 AND NOT EXISTS (SELECT 1 FROM "ds"."hist" AS t WHERE t."_sluice_id" = n."_sluice_id" AND t."_sluice_valid_to" IS NULL)',
    )
    const i = publish.indexOf('DELETE FROM "ds"."snap"')
    expect(i).toBeGreaterThan(0)
    expect(publish[i + 1]).toBe(
      'INSERT INTO "ds"."snap" ("id", "_sluice_load_id", "_sluice_id") SELECT s."id", s."_sluice_load_id", s."_sluice_id" FROM "ds_staging"."snap" AS s',
    )
    expect(publish.some((s) => /TRUNCATE|MERGE INTO|ON CONFLICT|SET SCHEMA/.test(s))).toBe(false)
    await client[Symbol.asyncDispose]()
  })
})

describe('redshift has no upsert', () => {
  it('core refuses an upsert merge before anything is read, naming the strategies offered', async () => {
    const r = recorder()
    const dir = await mkdtemp(join(tmpdir(), 'sluice-redshift-upsert-'))
    dirs.push(dir)
    const events: PipelineEvent[] = []
    const p = pipeline(
      {
        pipelineName: 'upsert',
        destination: r.destination,
        datasetName: 'ds',
        pipelinesDir: dir,
        fs: nodeFileSystem(),
        onEvent: (e) => events.push(e),
      },
      { createNormalizer },
    )
    let reads = 0
    await expect(
      p.run({
        name: 'upsert',
        resources: [
          {
            name: 'accounts',
            primaryKey: 'id',
            writeDisposition: { disposition: 'merge', strategy: 'upsert' },
            async *read() {
              reads++
              yield [{ id: 1, name: 'a' }]
            },
          },
        ],
      }),
    ).rejects.toThrow(
      /resource accounts asks for the upsert merge strategy, but the destination offers only delete-insert, insert-only, scd2/,
    )
    expect(reads).toBe(0)
    expect(events.some((e) => e.type === 'resource-start')).toBe(false)
    expect(r.log.some((s) => /^UPDATE "ds"."accounts"|ON CONFLICT|MERGE INTO/.test(s))).toBe(false)
  })
})
