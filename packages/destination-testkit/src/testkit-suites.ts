import type {
  Column,
  DestinationCapabilities,
  MergeStrategy,
  NormalizedRow,
  StoredState,
  Table,
} from '@sluice/core/destination'
import { expect } from 'vitest'
import { child, type Harness, makeTable, row } from './testkit-harness.ts'
import { integritySuites } from './testkit-integrity.ts'
import { mergeSuites } from './testkit-merge-suites.ts'
import { readerSuite } from './testkit-reader-suite.ts'
import { refreshSuite } from './testkit-refresh.ts'
import { suiteRegistrar } from './testkit-register.ts'
import { scd2Suites } from './testkit-scd2-suites.ts'
import { TYPE_COLUMNS, TYPE_ROWS } from './testkit-type-cases.ts'
import type { DestinationUnderTest, TestDestinationOptions } from './testkit-types.ts'
import { canonical, canonicalInput } from './testkit-values.ts'

/** Names of the conformance suites, usable in `options.skip`. */
export const SUITE_NAMES: readonly string[] = [
  'storage',
  'types',
  'append',
  'replace',
  'atomic complete',
  'merge delete-insert',
  'merge upsert',
  'merge upsert children and deletes',
  'merge scd2',
  'merge scd2 children',
  'replace ranges',
  'hard delete',
  'merge insert-only',
  'merge scd2 options',
  'merge scd2 partitions',
  'schema evolution',
  'child tables',
  'state',
  'resume',
  'identifiers',
  'merge duplicates',
  'values',
  'refresh',
  'reader',
]

/** Reads a table and canonicalizes the named columns, sorted by the first one. */
async function read(h: Harness, table: Table, names?: string[]): Promise<Record<string, unknown>[]> {
  const cols = names
    ? names.map((n) => table.columns.find((c) => c.name === n) ?? { name: n, dataType: 'text' as const })
    : table.columns.filter((c) => !c.name.startsWith('_sluice_'))
  const rows = await h.rows(table.name)
  const out = rows.map((r) => {
    const o: Record<string, unknown> = {}
    for (const c of cols) o[c.name] = canonical(c.dataType, r[c.name])
    return o
  })
  const first = cols[0]!.name
  return out.sort((a, b) => String(a[first]).localeCompare(String(b[first]), 'en', { numeric: true }))
}

const idCol: Column = { name: 'id', dataType: 'bigint', primaryKey: true }
const nameCol: Column = { name: 'name', dataType: 'text' }

type Need = (caps: DestinationCapabilities) => string | undefined

/**
 * Registers the conformance suites (vitest `describe` blocks) for a destination, the query suite of its reader
 * included (`reader`, see {@link testReader}). Suites whose capability the destination lacks skip their tests
 * and print the reason. Call it at the top level of a test file.
 */
export function testDestination(d: DestinationUnderTest, options: TestDestinationOptions = {}): void {
  const register = suiteRegistrar(d, options)
  const suite = (
    name: string,
    need: Need | undefined,
    body: (t: (title: string, fn: (h: Harness) => Promise<void>) => void) => void,
  ): void => register(name, need && ((destination) => need(destination.capabilities)), body)
  const needMerge =
    (strategy: MergeStrategy): Need =>
    (caps) =>
      caps.writeDispositions.includes('merge') && caps.mergeStrategies.includes(strategy)
        ? undefined
        : `merge strategy ${strategy}`
  const needReplace: Need = (caps) => (caps.writeDispositions.includes('replace') ? undefined : 'replace')

  const state = (h: Harness, version: number, text: string): StoredState => ({
    pipelineName: h.pipelineName,
    version,
    versionHash: `sh${version}`,
    state: text,
    loadId: '',
    createdAt: new Date(Date.UTC(2024, 0, version)).toISOString(),
  })

  suite('storage', undefined, (t) => {
    t('initialize is idempotent and a fresh dataset has no schema or state', async (h) => {
      await h.client.initialize()
      await h.client.initialize()
      expect(await h.client.getStoredSchema('testkit')).toBeUndefined()
      expect(await h.client.getStoredState(h.pipelineName)).toBeUndefined()
      const table = makeTable('items', [idCol, nameCol])
      await h.migrate([table])
      await h.client.migrate(h.currentSchema, [{ kind: 'add-table', table }])
      await h.loadPackage([{ table, rows: [row({ id: 1, name: 'a' })] }])
      expect(await read(h, table)).toEqual([{ id: '1', name: 'a' }])
    })
    t('dropTables removes a table and its child tables', async (h) => {
      if (!h.client.dropTables) {
        console.info(`[testkit] ${d.name}: dropTables is not implemented; nothing to check`)
        return
      }
      const root = makeTable('gone', [idCol])
      const kids = makeTable('gone__kids', [{ name: 'value', dataType: 'text' }], { parent: 'gone' })
      const keep = makeTable('kept', [idCol])
      await h.loadPackage([
        { table: root, rows: [row({ id: 1 }, 'g1')] },
        { table: kids, rows: [child({ value: 'x' }, 'g1', 0)] },
        { table: keep, rows: [row({ id: 2 })] },
      ])
      await h.client.dropTables(['gone'])
      // readTable may throw for a missing table or return no rows
      expect(await h.rows('gone').catch(() => [])).toEqual([])
      expect(await h.rows('gone__kids').catch(() => [])).toEqual([])
      expect(await read(h, keep)).toEqual([{ id: '2' }])
    })
  })

  suite('types', undefined, (t) => {
    t('every data type round-trips, with nulls', async (h) => {
      const table = makeTable('all_types', [...TYPE_COLUMNS])
      const values = TYPE_ROWS
      await h.loadPackage([{ table, rows: values.map((v) => row(v)) }])
      const expected = values.map((v) => {
        const o: Record<string, unknown> = {}
        for (const c of TYPE_COLUMNS) o[c.name] = canonicalInput(c.dataType, v[c.name])
        return o
      })
      expect(await read(h, table)).toEqual(expected)
    })
  })

  suite('append', undefined, (t) => {
    t('rows accumulate across loads', async (h) => {
      const table = makeTable('events', [idCol, nameCol])
      await h.loadPackage([{ table, rows: [row({ id: 1, name: 'a' }), row({ id: 2, name: 'b' })] }])
      await h.loadPackage([{ table, rows: [row({ id: 2, name: 'b2' })] }])
      expect(await read(h, table)).toEqual([
        { id: '1', name: 'a' },
        { id: '2', name: 'b' },
        { id: '2', name: 'b2' },
      ])
    })
  })

  suite('replace', needReplace, (t) => {
    for (const strategy of ['insert-from-staging', 'truncate-and-insert', 'staging-optimized'] as const) {
      t(`${strategy}: replaces rows; an empty replace empties the table`, async (h) => {
        const table = makeTable('snap', [idCol, nameCol], {
          disposition: 'replace',
          replaceStrategy: strategy,
        })
        await h.loadPackage([{ table, rows: [row({ id: 1, name: 'a' }), row({ id: 2, name: 'b' })] }])
        await h.loadPackage([{ table, rows: [row({ id: 3, name: 'c' })] }])
        expect(await read(h, table)).toEqual([{ id: '3', name: 'c' }])
        await h.loadPackage([{ table, rows: [] }])
        expect(await read(h, table)).toEqual([])
      })
    }
    t('a failed replace leaves the old rows', async (h) => {
      const table = makeTable('snap', [idCol, nameCol], { disposition: 'replace' })
      await h.loadPackage([{ table, rows: [row({ id: 1, name: 'a' })] }])
      const loadId = h.nextLoadId()
      const pkg = await h.startAndLoad(loadId, [{ table, rows: [row({ id: 2, name: 'b' })] }])
      const bad = await h.writeRaw('bad.jsonl', '{"id": "not a number at all", "name": 1}\n{broken json\n')
      await expect(
        h.client.load(
          {
            loadId,
            jobId: 'bad',
            table: h.currentSchema.tables['snap']!,
            file: bad,
            format: 'jsonl',
            rows: 2,
          },
          new AbortController().signal,
        ),
      ).rejects.toThrow()
      void pkg
      expect(await read(h, table)).toEqual([{ id: '1', name: 'a' }])
    })
  })

  suite(
    'atomic complete',
    (caps) => (caps.transactions ? undefined : 'transactions'),
    (t) => {
      t('a failure inside complete() rolls back every table and records no load', async (h) => {
        const table = makeTable('snap', [idCol, nameCol], { disposition: 'replace' })
        const log = makeTable('log', [idCol], { disposition: 'append' })
        await h.loadPackage([
          { table, rows: [row({ id: 1, name: 'a' })] },
          { table: log, rows: [row({ id: 1 })] },
        ])
        const loadId = h.nextLoadId()
        const tables = [
          { table, rows: [row({ id: 2, name: 'b' })] },
          { table: log, rows: [row({ id: 2 })] },
        ]
        const pkg = await h.startAndLoad(loadId, tables, state(h, 5, 'never-committed'))
        const ghost = makeTable('ghost_never_migrated', [idCol])
        const broken = {
          ...pkg,
          tables: [...pkg.tables, { table: ghost, disposition: 'append' as const, rows: 1 }],
        }
        await expect(h.client.complete(broken)).rejects.toThrow()
        expect(await read(h, table)).toEqual([{ id: '1', name: 'a' }])
        expect(await read(h, log)).toEqual([{ id: '1' }])
        expect((await h.client.getStoredState(h.pipelineName))?.state).not.toBe('never-committed')
        await h.client.complete(pkg)
        expect(await read(h, table)).toEqual([{ id: '2', name: 'b' }])
        expect(await read(h, log)).toEqual([{ id: '1' }, { id: '2' }])
        expect((await h.client.getStoredState(h.pipelineName))?.state).toBe('never-committed')
      })
    },
  )

  mergeSuites(suite, needMerge, { read })
  scd2Suites(suite, needMerge, { read })

  suite('schema evolution', undefined, (t) => {
    t('a column added between loads; variant columns load', async (h) => {
      const v1 = makeTable('evo', [idCol, nameCol])
      await h.loadPackage([{ table: v1, rows: [row({ id: 1, name: 'a' })] }])
      const v2 = makeTable('evo', [
        idCol,
        nameCol,
        { name: 'score', dataType: 'double' },
        { name: 'id__v_text', dataType: 'text', variantOf: 'id' },
      ])
      await h.loadPackage([
        { table: v2, rows: [row({ id: 2, name: 'b', score: 0.5 }), row({ id__v_text: 'idx-1', name: 'c' })] },
      ])
      expect(await read(h, v2, ['name', 'id', 'score', 'id__v_text'])).toEqual([
        { name: 'a', id: '1', score: null, id__v_text: null },
        { name: 'b', id: '2', score: 0.5, id__v_text: null },
        { name: 'c', id: null, score: null, id__v_text: 'idx-1' },
      ])
      // migrating the same changes again is tolerated
      await h.client.migrate(h.currentSchema, [{ kind: 'add-column', table: 'evo', column: v2.columns[2]! }])
    })
  })

  suite('child tables', undefined, (t) => {
    t('replace empties and refills child tables with the root', async (h) => {
      if (needReplace(h.destination.capabilities)) return
      const root = makeTable('orders', [idCol], { disposition: 'replace' })
      const items = makeTable('orders__items', [{ name: 'sku', dataType: 'text' }], {
        disposition: 'replace',
        parent: 'orders',
      })
      await h.loadPackage([
        { table: root, rows: [row({ id: 1 }, 'o1')] },
        { table: items, rows: [child({ sku: 'a' }, 'o1', 0), child({ sku: 'b' }, 'o1', 1)] },
      ])
      await h.loadPackage([
        { table: root, rows: [row({ id: 2 }, 'o2')] },
        { table: items, rows: [child({ sku: 'c' }, 'o2', 0)] },
      ])
      expect(await read(h, items, ['sku'])).toEqual([{ sku: 'c' }])
      // a replace whose child table got no rows still empties it
      await h.loadPackage([{ table: root, rows: [row({ id: 3 }, 'o3')] }])
      expect(await read(h, items, ['sku'])).toEqual([])
    })
    t('merge replaces child rows of merged roots through _sluice_root_id', async (h) => {
      if (needMerge('delete-insert')(h.destination.capabilities)) return
      const root = makeTable('orders', [idCol], { disposition: 'merge' })
      const items = makeTable('orders__items', [{ name: 'sku', dataType: 'text' }], {
        disposition: 'merge',
        parent: 'orders',
      })
      const tags = makeTable('orders__items__tags', [{ name: 'value', dataType: 'text' }], {
        disposition: 'merge',
        parent: 'orders__items',
      })
      await h.loadPackage([
        { table: root, rows: [row({ id: 1 }, 'r1'), row({ id: 2 }, 'r2')] },
        { table: items, rows: [child({ sku: 'a' }, 'r1', 0), child({ sku: 'b' }, 'r2', 0)] },
        {
          table: tags,
          rows: [child({ value: 'ta' }, 'r1_0', 0, 'r1'), child({ value: 'tb' }, 'r2_0', 0, 'r2')],
        },
      ])
      await h.loadPackage([
        { table: root, rows: [row({ id: 1 }, 'r1b')] },
        { table: items, rows: [child({ sku: 'a2' }, 'r1b', 0)] },
        { table: tags, rows: [child({ value: 'ta2' }, 'r1b_0', 0, 'r1b')] },
      ])
      expect(await read(h, items, ['sku'])).toEqual([{ sku: 'a2' }, { sku: 'b' }])
      expect(await read(h, tags, ['value'])).toEqual([{ value: 'ta2' }, { value: 'tb' }])
    })
  })

  suite('state', undefined, (t) => {
    t('state and schema are stored with the load and restored by a new client', async (h) => {
      const table = makeTable('t', [idCol])
      const p1 = await h.loadPackage([{ table, rows: [row({ id: 1 })] }], state(h, 1, 'H4sIAAAA-one'))
      await h.loadPackage([{ table, rows: [row({ id: 2 })] }], state(h, 2, 'H4sIAAAA-two'))
      // a package that never completes: its state does not count
      await h.startAndLoad(h.nextLoadId(), [{ table, rows: [row({ id: 3 })] }], state(h, 3, 'H4sIAAAA-three'))
      const client = await h.reconnect()
      const stored = await client.getStoredState(h.pipelineName)
      expect(stored?.state).toBe('H4sIAAAA-two')
      expect(stored?.version).toBe(2)
      expect(stored?.versionHash).toBe('sh2')
      expect(stored?.loadId).not.toBe(p1.loadId)
      const schema = await client.getStoredSchema('testkit')
      expect(schema?.versionHash).toBe(h.currentSchema.versionHash)
      expect(schema?.schema.tables['t']?.columns.map((c) => c.name)).toEqual(table.columns.map((c) => c.name))
      expect(await client.getStoredState('other_pipeline')).toBeUndefined()
    })
  })

  suite('resume', undefined, (t) => {
    t('a crash before complete, then the same package again: no duplicates', async (h) => {
      const table = makeTable('r', [idCol, nameCol])
      const loadId = h.nextLoadId()
      const rows = [row({ id: 1, name: 'a' }), row({ id: 2, name: 'b' })]
      await h.startAndLoad(loadId, [{ table, rows }])
      expect(await read(h, table)).toEqual([])
      await h.reconnect()
      const pkg = await h.startAndLoad(loadId, [{ table, rows }])
      await h.client.complete(pkg)
      expect(await read(h, table)).toEqual([
        { id: '1', name: 'a' },
        { id: '2', name: 'b' },
      ])
    })
    t('complete() twice is a no-op', async (h) => {
      const table = makeTable('r2', [idCol])
      const pkg = await h.loadPackage([{ table, rows: [row({ id: 1 })] }])
      await h.client.complete(pkg)
      const again = await h.startAndLoad(pkg.loadId, [{ table, rows: [row({ id: 1 })] }])
      await h.client.complete(again)
      expect(await read(h, table)).toEqual([{ id: '1' }])
    })
  })

  suite('identifiers', undefined, (t) => {
    t('spaces, quotes, unicode, reserved words and an injection-like name load as columns', async (h) => {
      const odd = [
        'with space',
        'quote"d',
        "apo'strophe",
        'ünïcødé_名前',
        'select',
        'order',
        'x"; DROP TABLE t; --',
      ]
      const table = makeTable(
        'odd table "select"',
        odd.map((name) => ({ name, dataType: 'text' as const })),
      )
      const values: NormalizedRow = {}
      odd.forEach((n, i) => {
        values[n] = `v${i}'"`
      })
      await h.loadPackage([{ table, rows: [row(values)] }])
      const rows = await read(h, table, odd)
      expect(rows).toEqual([Object.fromEntries(odd.map((n, i) => [n, `v${i}'"`]))])
    })
  })

  integritySuites(suite, needMerge)
  suite('refresh', needReplace, (t) => refreshSuite(t, { row, child, read }))

  readerSuite(register, options)
}
