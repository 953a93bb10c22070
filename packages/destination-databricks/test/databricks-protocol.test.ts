import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isSluiceError, type Table } from '@sluice/core/destination'
import { loadOnce, open, readRows, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import {
  connectDatabricks,
  type DatabricksOptions,
  databricks,
  parseDatabricksOptions,
  staticTokenSource,
} from '../src/index.ts'
import { FakeDatabricks } from './databricks-fake.ts'

// What sluice sends to Databricks, asserted on the fake workspace: the statement requests, the volume upload and
// COPY INTO, the Delta DDL, deletes through MERGE, the statement states and result chunks, retries of a starting
// warehouse, aborts, and a publish repeated after a failure.
const fake = new FakeDatabricks({ chunkRows: 2 })
beforeAll(async () => {
  await fake.start()
})
afterAll(async () => {
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

const base = (extra: DatabricksOptions = {}): DatabricksOptions => ({
  serverHostname: fake.url,
  httpPath: fake.httpPath,
  catalog: 'main',
  accessToken: 'dapi-fake-token',
  http: { pollMs: 1, backoffMs: 1 },
  ...extra,
})

const items = table('items', [
  { name: 'id', dataType: 'bigint', primaryKey: true },
  { name: 'name', dataType: 'text' },
  { name: 'at', dataType: 'time' },
])
const row = (id: number, name: string, sluiceId = `i${id}`) => ({
  id,
  name,
  at: '08:30:00',
  _sluice_load_id: 'l',
  _sluice_id: sluiceId,
})

describe('databricks statements', () => {
  it('sends one statement per request with warehouse, catalog, typed named parameters and INLINE JSON_ARRAY', async () => {
    const client = await open(databricks(base()), 'proto_req')
    const start = fake.statements.length
    const pkg = await loadOnce(client, [{ table: items, rows: [row(1, 'a')] }])
    await client[Symbol.asyncDispose]()
    const sent = fake.statements.slice(start)
    expect(sent.every((s) => s.catalog === 'main' && s.waitTimeout === '10s')).toBe(true)
    expect(
      sent.every((s) => !s.statement.replace(/'(?:[^'\\]|\\.)*'|`(?:[^`]|``)*`/g, '').includes(';')),
    ).toBe(true)
    const loads = sent.find((s) => s.statement.startsWith('INSERT INTO `proto_req`.`_sluice_loads`'))
    expect(loads?.statement).toBe(
      'INSERT INTO `proto_req`.`_sluice_loads` (`load_id`, `schema_name`, `status`, `inserted_at`, `schema_version_hash`) VALUES (CAST(:p1 AS STRING), CAST(:p2 AS STRING), CAST(:p3 AS BIGINT), CAST(:p4 AS TIMESTAMP), CAST(:p5 AS STRING))',
    )
    expect(loads?.parameters.slice(0, 3)).toEqual([
      { name: 'p1', value: pkg.loadId, type: 'STRING' },
      { name: 'p2', value: 'unit', type: 'STRING' },
      { name: 'p3', value: '0', type: 'BIGINT' },
    ])
    expect(sent.at(-1)?.statement).toBe(loads?.statement)
  })

  it('creates Delta tables with column mapping, time as STRING', async () => {
    const client = await open(databricks(base()), 'proto_ddl')
    await loadOnce(client, [{ table: items, rows: [row(1, 'a')] }])
    await client[Symbol.asyncDispose]()
    expect(fake.sql(/^CREATE TABLE IF NOT EXISTS `proto_ddl`\.`items`/)).toEqual([
      "CREATE TABLE IF NOT EXISTS `proto_ddl`.`items` (`id` BIGINT, `name` STRING, `at` STRING, `_sluice_load_id` STRING, `_sluice_id` STRING) USING DELTA TBLPROPERTIES ('delta.columnMapping.mode' = 'name', 'delta.minReaderVersion' = '2', 'delta.minWriterVersion' = '5')",
    ])
  })

  it('uploads each job file as parquet to the staging volume, COPYs it INTO the staging table and deletes it', async () => {
    const client = await open(databricks(base()), 'proto_copy')
    const uploads = fake.uploads.length
    await loadOnce(client, [{ table: items, rows: [row(1, 'a'), row(2, 'b')] }])
    await loadOnce(client, [{ table: items, rows: [row(3, 'c')] }])
    await client[Symbol.asyncDispose]()
    expect(fake.sql(/^CREATE VOLUME/)).toContain(
      'CREATE VOLUME IF NOT EXISTS `proto_copy_staging`.`_sluice_staging`',
    )
    expect(fake.sql(/^CREATE VOLUME IF NOT EXISTS `proto_copy_staging`/)).toHaveLength(1)
    const put = fake.uploads.slice(uploads)
    expect(put).toHaveLength(2)
    for (const path of put) {
      expect(path).toMatch(/^\/Volumes\/main\/proto_copy_staging\/_sluice_staging\/[\w.-]+\.parquet$/)
      expect(fake.deletes).toContain(path)
    }
    expect(fake.sql(/^COPY INTO `proto_copy_staging`/)).toEqual(
      put.map(
        (path) =>
          `COPY INTO \`proto_copy_staging\`.\`items\` FROM '/Volumes/main/proto_copy_staging/_sluice_staging' FILEFORMAT = PARQUET FILES = ('${path.split('/').at(-1)}') COPY_OPTIONS ('force' = 'true')`,
      ),
    )
    expect(
      (await readRows(fake.admin, 'proto_copy', 'items')).map((r) => [r['id'], r['name'], r['at']]),
    ).toEqual([
      ['1', 'a', '08:30:00'],
      ['2', 'b', '08:30:00'],
      ['3', 'c', '08:30:00'],
    ])
  })

  it('keeps uploaded files with keep_staged_files, and uses a configured volume as it is', async () => {
    const setup = await open(databricks(base()), 'proto_vol')
    await setup[Symbol.asyncDispose]()
    await fake.admin.run('SELECT 1')
    fake.volumes.add('main.proto_vol.my_volume')
    const client = await open(
      databricks(base({ staging_volume_name: 'main.proto_vol.my_volume', keep_staged_files: 'true' })),
      'proto_vol',
    )
    const uploads = fake.uploads.length
    await loadOnce(client, [{ table: items, rows: [row(1, 'a')] }])
    await client[Symbol.asyncDispose]()
    const [path] = fake.uploads.slice(uploads)
    expect(path).toMatch(/^\/Volumes\/main\/proto_vol\/my_volume\//)
    expect(fake.deletes).not.toContain(path)
    expect(fake.sql(/^CREATE VOLUME IF NOT EXISTS `proto_vol_staging`/)).toEqual([])
  })

  it('merges delete through MERGE ... WHEN MATCHED THEN DELETE and upsert through MERGE', async () => {
    const client = await open(databricks(base()), 'proto_merge')
    const di: Table = { ...items, writeDisposition: 'merge', mergeStrategy: 'delete-insert' }
    await loadOnce(client, [{ table: di, rows: [row(1, 'a'), row(2, 'b')] }])
    await loadOnce(client, [{ table: di, rows: [row(2, 'B', 'i2b')] }])
    const up: Table = { ...items, name: 'users', writeDisposition: 'merge', mergeStrategy: 'upsert' }
    await loadOnce(client, [{ table: up, rows: [row(1, 'a')] }])
    await loadOnce(client, [{ table: up, rows: [row(1, 'A', 'u1b'), row(5, 'e')] }])
    await client[Symbol.asyncDispose]()
    expect(fake.sql(/^MERGE INTO `proto_merge`\.`items` AS d USING/)).toContain(
      'MERGE INTO `proto_merge`.`items` AS d USING (SELECT DISTINCT i.`_sluice_id` FROM (SELECT t.`_sluice_id` FROM `proto_merge`.`items` AS t WHERE EXISTS (SELECT 1 FROM `proto_merge_staging`.`items` AS s WHERE s.`id` = t.`id`)) AS i) AS k ON d.`_sluice_id` = k.`_sluice_id` WHEN MATCHED THEN DELETE',
    )
    expect(fake.sql(/^DELETE FROM `proto_merge`\./)).toEqual([])
    expect(fake.sql(/^MERGE INTO `proto_merge`\.`users` AS t USING/)).toHaveLength(2)
    expect((await readRows(fake.admin, 'proto_merge', 'items')).map((r) => [r['id'], r['name']])).toEqual([
      ['1', 'a'],
      ['2', 'B'],
    ])
    expect(
      (await readRows(fake.admin, 'proto_merge', 'users')).map((r) => [r['id'], r['name']]).sort(),
    ).toEqual([
      ['1', 'A'],
      ['5', 'e'],
    ])
  })

  it('staging-optimized replace makes each table a DEEP CLONE of its staging table', async () => {
    const client = await open(databricks(base({ replace_strategy: 'staging-optimized' })), 'proto_clone')
    const t: Table = { ...items, writeDisposition: 'replace' }
    await loadOnce(client, [{ table: t, rows: [row(1, 'a')] }])
    await loadOnce(client, [{ table: t, rows: [row(2, 'b')] }])
    await client[Symbol.asyncDispose]()
    expect(fake.sql(/CLONE/)).toContain(
      'CREATE OR REPLACE TABLE `proto_clone`.`items` DEEP CLONE `proto_clone_staging`.`items`',
    )
    expect((await readRows(fake.admin, 'proto_clone', 'items')).map((r) => r['id'])).toEqual(['2'])
  })
})

describe('databricks statement states', () => {
  const client = async () =>
    connectDatabricks({
      params: parseDatabricksOptions(base()),
      tokens: staticTokenSource('dapi-fake-token'),
    })

  it('polls a statement through PENDING (a starting warehouse) and RUNNING until it succeeds', async () => {
    fake.script({ match: /^SELECT 41 \+ 1/, pendingPolls: 3, runningPolls: 2, times: 1 })
    const c = await client()
    expect(await c.query('SELECT 41 + 1 AS answer')).toEqual([{ answer: '42' }])
    const id = fake.statements.at(-1)?.id as string
    expect(fake.polls.get(id)).toBe(5)
  })

  it('retries a statement request the warehouse refused with 503 while starting', async () => {
    fake.refuseNext(2)
    const before = fake.statements.length
    const c = await client()
    expect(await c.query('SELECT 7 AS seven')).toEqual([{ seven: '7' }])
    expect(fake.statements.length - before).toBe(1)
  })

  it('fetches every result chunk', async () => {
    const c = await client()
    const rows = await c.query('SELECT range AS n FROM range(7) ORDER BY n')
    expect(rows.map((r) => r['n'])).toEqual(['0', '1', '2', '3', '4', '5', '6'])
  })

  it('a FAILED statement is a SluiceError with the engine message; a concurrent Delta commit is transient', async () => {
    const c = await client()
    fake.script({
      match: /^SELECT 'fails'/,
      fail: { error_code: 'BAD_REQUEST', message: '[DIVIDE_BY_ZERO] Division by zero.', sql_state: '22012' },
      times: 1,
    })
    const e = await c.query("SELECT 'fails'").catch((x: unknown) => x)
    expect(isSluiceError(e, 'DESTINATION_DATA')).toBe(true)
    expect(String(e)).toMatch(/DIVIDE_BY_ZERO/)
    fake.script({
      match: /^SELECT 'conflict'/,
      fail: {
        error_code: 'BAD_REQUEST',
        message: '[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added',
      },
      times: 1,
    })
    const t = await c.query("SELECT 'conflict'").catch((x: unknown) => x)
    expect(isSluiceError(t, 'DESTINATION_TRANSIENT')).toBe(true)
    expect((t as { transient: boolean }).transient).toBe(true)
  })

  it('a statement CANCELED outside sluice fails with what happened', async () => {
    fake.script({ match: /^SELECT 'canceled'/, canceledAfter: 2, times: 1 })
    const e = await (await client()).query("SELECT 'canceled'").catch((x: unknown) => x)
    expect(isSluiceError(e, 'DESTINATION_QUERY')).toBe(true)
    expect(String(e)).toMatch(/canceled outside sluice/)
  })

  it('an aborted load cancels its running COPY INTO and rejects with the abort reason', async () => {
    fake.script({ match: /^COPY INTO `abort_me_staging`/, hold: true, times: 1 })
    const c = await open(databricks(base()), 'abort_me')
    onTestFinished(() => c[Symbol.asyncDispose]())
    const schema = { name: 's', version: 1, versionHash: 'h', previousHashes: [], tables: { items } }
    await c.migrate(schema, [{ kind: 'add-table', table: items }])
    const dir = await mkdtemp(join(tmpdir(), 'sluice-dbx-abort-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'job.jsonl')
    await writeFile(file, `${JSON.stringify(row(1, 'a'))}\n`)
    const controller = new AbortController()
    const loading = c.load(
      { loadId: '1.1', jobId: 'items.1', table: items, file, format: 'jsonl', rows: 1 },
      controller.signal,
    )
    await expect.poll(() => fake.sql(/^COPY INTO `abort_me_staging`/).length).toBe(1)
    const reason = new Error('stop now')
    controller.abort(reason)
    await expect(loading).rejects.toBe(reason)
    const id = fake.statements.find((s) => s.statement.startsWith('COPY INTO `abort_me_staging`'))?.id
    await expect.poll(() => fake.cancels.includes(id as string)).toBe(true)
    expect(await readRows(fake.admin, 'abort_me_staging', 'items')).toEqual([])
  })

  it('a COPY INTO whose answer was lost is not retried (it may have loaded); other statements are', async () => {
    const lost: typeof fetch = async (input, init) => {
      if (String(init?.body ?? '').includes('COPY INTO')) throw new TypeError('fetch failed')
      return fetch(input, init)
    }
    const c = await open(databricks(base({ http: { pollMs: 1, backoffMs: 1, fetch: lost } })), 'proto_lost')
    onTestFinished(() => c[Symbol.asyncDispose]())
    const e = await loadOnce(c, [{ table: items, rows: [row(1, 'a')] }]).catch((x: unknown) => x)
    expect(isSluiceError(e, 'DESTINATION_CONNECT')).toBe(true)
    expect((e as { transient: boolean }).transient).toBe(false)
    expect(String(e)).toMatch(/the package resumes/)
  })
})

describe('a publish without a transaction, repeated after a failure', () => {
  it('adds no row twice: appends skip tables that hold the load, merges delete before they insert', async () => {
    const c = await open(databricks(base()), 'proto_again')
    onTestFinished(() => c[Symbol.asyncDispose]())
    const kids: Table = {
      name: 'items__kids',
      parent: 'items',
      writeDisposition: 'append',
      columns: [
        { name: 'v', dataType: 'text' },
        { name: '_sluice_parent_id', dataType: 'text' },
        { name: '_sluice_load_id', dataType: 'text' },
        { name: '_sluice_id', dataType: 'text' },
      ],
    }
    const merged: Table = { ...items, name: 'merged', writeDisposition: 'merge' }
    const loadId = '1800000000.000001'
    const schema = {
      name: 'unit',
      version: 1,
      versionHash: 'v1',
      previousHashes: [],
      tables: { items, items__kids: kids, merged },
    }
    const rows: Record<string, Record<string, unknown>[]> = {
      items: [{ ...row(1, 'a'), _sluice_load_id: loadId }],
      items__kids: [{ v: 'x', _sluice_parent_id: 'i1', _sluice_load_id: loadId, _sluice_id: 'k1' }],
      merged: [{ ...row(1, 'm'), _sluice_load_id: loadId }],
    }
    const pkg = {
      loadId,
      schema,
      tables: Object.values(schema.tables).map((t) => ({
        table: t,
        disposition: t.writeDisposition,
        rows: 1,
      })),
    }
    await c.migrate(
      schema,
      Object.values(schema.tables).map((t) => ({ kind: 'add-table' as const, table: t })),
    )
    await c.startLoad(pkg)
    const dir = await mkdtemp(join(tmpdir(), 'sluice-dbx-again-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    for (const t of Object.values(schema.tables)) {
      const file = join(dir, `${t.name}.jsonl`)
      await writeFile(file, `${(rows[t.name] ?? []).map((r) => JSON.stringify(r)).join('\n')}\n`)
      await c.load(
        { loadId, jobId: t.name, table: t, file, format: 'jsonl', rows: 1 },
        new AbortController().signal,
      )
    }
    // the publish fails after the append reached `items` (the child table and `merged` come later)
    fake.script({
      match: /^INSERT INTO `proto_again`\.`items__kids`/,
      fail: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'the warehouse is restarting' },
      times: 1,
    })
    const failed = await c.complete(pkg).catch((x: unknown) => x)
    expect(isSluiceError(failed, 'DESTINATION_TRANSIENT')).toBe(true)
    expect((failed as { transient: boolean }).transient).toBe(true)
    expect((await readRows(fake.admin, 'proto_again', 'items')).length).toBe(1)
    expect((await readRows(fake.admin, 'proto_again', 'items__kids')).length).toBe(0)
    // what the runner does after a transient failure: complete() of the same package again
    await c.complete(pkg)
    for (const t of ['items', 'items__kids', 'merged'])
      expect((await readRows(fake.admin, 'proto_again', t)).length, t).toBe(1)
    expect(
      fake.sql(
        /^INSERT INTO `proto_again`\.`items` .* NOT EXISTS \(SELECT 1 FROM `proto_again`\.`items` AS g/,
      ),
    ).toHaveLength(2)
  })
})
