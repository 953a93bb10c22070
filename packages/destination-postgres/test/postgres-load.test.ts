import type { DestinationClient } from '@sluice/core/destination'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgres } from '../src/index.ts'
import { ctxFor, jobFile, loadPackage, schemaOf, table } from './postgres-fixtures.ts'
import { admin, loggedStatements, serverUrl, uniqueName, urlWith } from './postgres-helpers.ts'

describe('postgres destination publishes packages', () => {
  const app = uniqueName('dest')
  const dataset = uniqueName('ds')
  let client: DestinationClient

  beforeAll(async () => {
    serverUrl()
    client = await postgres({ credentials: urlWith({ query: `application_name=${app}` }) }).createClient(
      ctxFor(dataset),
    )
  })
  afterAll(async () => {
    await client?.[Symbol.asyncDispose]()
  })

  const items = table(
    'items',
    [
      { name: 'id', dataType: 'bigint', primaryKey: true },
      { name: 'label', dataType: 'text' },
    ],
    {
      writeDisposition: 'merge',
      mergeStrategy: 'delete-insert',
    },
  )
  const tags = {
    name: 'items__tags',
    parent: 'items',
    writeDisposition: 'merge' as const,
    columns: [
      { name: 'value', dataType: 'text' as const },
      { name: '_sluice_parent_id', dataType: 'text' as const },
      { name: '_sluice_list_idx', dataType: 'bigint' as const },
      { name: '_sluice_root_id', dataType: 'text' as const },
      { name: '_sluice_id', dataType: 'text' as const },
    ],
  }
  const schema = schemaOf([items, tags])

  it('merges root and child rows, stores state and schema, and ignores a repeated complete', async () => {
    const first = await jobFile('100', items, [
      { id: 1, label: 'one', _sluice_id: 'r1' },
      { id: 2, label: 'two', _sluice_id: 'r2' },
    ])
    const firstTags = await jobFile('100', tags as never, [
      { value: 'a', _sluice_root_id: 'r1', _sluice_parent_id: 'r1', _sluice_list_idx: 0, _sluice_id: 't1' },
      { value: 'b', _sluice_root_id: 'r2', _sluice_parent_id: 'r2', _sluice_list_idx: 0, _sluice_id: 't2' },
    ])
    const state = {
      pipelineName: 'test_pipeline',
      version: 1,
      versionHash: 'h1',
      state: 'c3RhdGU=',
      loadId: '100',
      createdAt: '2024-01-01T00:00:00.000Z',
    }
    const load = await loadPackage(
      client,
      schema,
      [first, firstTags],
      [
        { table: items, disposition: 'merge', mergeStrategy: 'delete-insert' },
        { table: tags as never, disposition: 'merge' },
      ],
      { state },
    )
    await client.complete(load) // a crash after commit repeats complete(): nothing changes
    expect(await admin(`SELECT count(*)::int AS n FROM ${dataset}._sluice_loads`)).toEqual([{ n: 1 }])

    const second = await jobFile('101', items, [
      { id: 2, label: 'TWO', _sluice_id: 'r2b' },
      { id: 3, label: 'three', _sluice_id: 'r3' },
    ])
    const secondTags = await jobFile('101', tags as never, [
      { value: 'c', _sluice_root_id: 'r2b', _sluice_parent_id: 'r2b', _sluice_list_idx: 0, _sluice_id: 't3' },
    ])
    await loadPackage(
      client,
      schema,
      [second, secondTags],
      [
        { table: items, disposition: 'merge', mergeStrategy: 'delete-insert' },
        { table: tags as never, disposition: 'merge' },
      ],
    )

    expect(await admin(`SELECT id::int, label FROM ${dataset}.items ORDER BY id`)).toEqual([
      { id: 1, label: 'one' },
      { id: 2, label: 'TWO' },
      { id: 3, label: 'three' },
    ])
    expect(await admin(`SELECT value FROM ${dataset}.items__tags ORDER BY value`)).toEqual([
      { value: 'a' },
      { value: 'c' },
    ])
    expect(await client.getStoredState('test_pipeline')).toMatchObject({
      state: 'c3RhdGU=',
      loadId: '100',
      version: 1,
      createdAt: '2024-01-01T00:00:00.000Z',
    })
    expect(await client.getStoredSchema('test_source')).toMatchObject({
      version: 1,
      versionHash: schema.versionHash,
    })
  })

  it('upserts with ON CONFLICT-free SQL the shared layer writes, and keeps scd2 history', async () => {
    const up = table(
      'up',
      [
        { name: 'id', dataType: 'bigint', primaryKey: true },
        { name: 'v', dataType: 'text' },
      ],
      { writeDisposition: 'merge', mergeStrategy: 'upsert' },
    )
    const hist = table(
      'hist',
      [
        { name: 'id', dataType: 'bigint' },
        { name: 'v', dataType: 'text' },
      ],
      { writeDisposition: 'merge', mergeStrategy: 'scd2' },
    )
    const s = schemaOf([up, hist], 2)
    const tl = [
      { table: up, disposition: 'merge' as const, mergeStrategy: 'upsert' as const },
      { table: hist, disposition: 'merge' as const, mergeStrategy: 'scd2' as const },
    ]
    await loadPackage(
      client,
      s,
      [
        await jobFile('200', up, [
          { id: 1, v: 'a' },
          { id: 2, v: 'b' },
        ]),
        await jobFile('200', hist, [
          { id: 1, v: 'a', _sluice_id: 'h1' },
          { id: 2, v: 'b', _sluice_id: 'h2' },
        ]),
      ],
      tl,
    )
    await loadPackage(
      client,
      s,
      [
        await jobFile('201', up, [{ id: 2, v: 'B' }]),
        await jobFile('201', hist, [
          { id: 1, v: 'a', _sluice_id: 'h1' },
          { id: 2, v: 'B', _sluice_id: 'h2b' },
        ]),
      ],
      tl,
    )
    expect(await admin(`SELECT id::int, v FROM ${dataset}.up ORDER BY id`)).toEqual([
      { id: 1, v: 'a' },
      { id: 2, v: 'B' },
    ])
    const history = await admin<{ v: string; open: boolean }>(
      `SELECT v, _sluice_valid_to IS NULL AS open FROM ${dataset}.hist ORDER BY v`,
    )
    expect(history).toEqual([
      { v: 'B', open: true },
      { v: 'a', open: true },
      { v: 'b', open: false },
    ])
  })

  for (const strategy of ['insert-from-staging', 'staging-optimized'] as const) {
    it(`replaces a table and its children (${strategy})`, async () => {
      const name = `rep_${strategy.replace(/-/g, '_')}`
      const base = strategy === 'staging-optimized' ? '40' : '30'
      const rep = table(name, [{ name: 'id', dataType: 'bigint' }], {
        writeDisposition: 'replace',
        replaceStrategy: strategy,
      })
      const kids = { ...tags, name: `${name}__kids`, parent: name, writeDisposition: 'replace' as const }
      const s = schemaOf([rep, kids], 3)
      const tl = [
        { table: rep, disposition: 'replace' as const, replaceStrategy: strategy },
        { table: kids as never, disposition: 'replace' as const, replaceStrategy: strategy },
      ]
      await loadPackage(
        client,
        s,
        [
          await jobFile(`${base}0`, rep, [{ id: 1 }, { id: 2 }]),
          await jobFile(`${base}0`, kids as never, [{ value: 'x' }]),
        ],
        tl,
      )
      await loadPackage(client, s, [await jobFile(`${base}1`, rep, [{ id: 3 }])], tl)
      expect(await admin(`SELECT id::int FROM ${dataset}.${name}`)).toEqual([{ id: 3 }])
      expect(await admin(`SELECT count(*)::int AS n FROM ${dataset}.${name}__kids`)).toEqual([{ n: 0 }])
      // staging is usable for the next package
      await loadPackage(client, s, [await jobFile(`${base}2`, rep, [{ id: 4 }, { id: 5 }])], tl)
      expect(await admin(`SELECT id::int FROM ${dataset}.${name} ORDER BY id`)).toEqual([
        { id: 4 },
        { id: 5 },
      ])
    })
  }

  it('sent no INSERT ... VALUES except the one-row system table writes', async () => {
    const statements = await loggedStatements(app)
    if (statements === undefined) {
      console.warn('SLUICE_TEST_POSTGRES_URL is set: no server log to inspect')
      return
    }
    const inserts = statements.filter((s) => /\bINSERT\b[\s\S]*\bVALUES\b/i.test(s))
    expect(inserts.length).toBeGreaterThan(0)
    for (const s of inserts)
      expect(s).toMatch(/^INSERT INTO "[^"]+"\."_sluice_(loads|version|pipeline_state)"/)
    // into <dataset>_staging, or into the dataset's _sluice_swap__ tables that a rename publish moves into place
    const copies = statements.filter((s) => /^COPY "[^"]+"\."(_sluice_swap__)?[^"]+"/.test(s))
    expect(copies.filter((s) => /^COPY "[^"]+_staging"\./.test(s)).length).toBeGreaterThan(0)
    expect(copies.filter((s) => /^COPY "[^"]+"\."_sluice_swap__/.test(s)).length).toBeGreaterThan(0)
    expect(copies.length).toBeGreaterThanOrEqual(10)
  })
})
