import { describe, expect, it } from 'vitest'
import { isSluiceError } from '../errors.ts'
import type { Schema, SchemaChange, SchemaContract } from '../schema/schema-types.ts'
import type { NormalizedRow, ResourceTableSpec } from './normalize-types.ts'
import { createNormalizer } from './normalizer.ts'

const LOAD = '1764300000.123'

function setup(spec: Partial<ResourceTableSpec> = {}, schema?: Schema, contract?: SchemaContract) {
  const n = createNormalizer(schema, { schemaName: 'test', ...(contract ? { contract } : {}) })
  n.registerResource({ resource: 'items', writeDisposition: 'append', ...spec })
  return n
}

function rows(page: { tables: Map<string, NormalizedRow[]> }, table: string): NormalizedRow[] {
  return page.tables.get(table) ?? []
}

function describeChanges(changes: SchemaChange[]): string[] {
  return changes.map((c) =>
    c.kind === 'add-table' ? `table ${c.table.name}` : `${c.table}.${c.column.name}:${c.column.dataType}`,
  )
}

function columnsOf(schema: Schema, table: string): Record<string, string> {
  return Object.fromEntries((schema.tables[table]?.columns ?? []).map((c) => [c.name, c.dataType]))
}

describe('flat rows', () => {
  it('names columns, infers types and adds system columns', () => {
    const n = setup({ resource: 'TimeEntries' })
    const page = n.normalizePage(
      'TimeEntries',
      [
        {
          id: 1,
          customersID: 7,
          'Time Since': '2026-03-02T08:00:00Z',
          revenue: 1.5,
          billable: true,
          text: 'x',
          day: '2026-03-02',
          gone: null,
        },
      ],
      LOAD,
    )
    expect(n.tableOf('TimeEntries')).toBe('time_entries')
    const [row] = rows(page, 'time_entries')
    expect(row).toMatchObject({
      id: 1,
      customers_id: 7,
      time_since: '2026-03-02T08:00:00Z',
      revenue: 1.5,
      billable: true,
      text: 'x',
      day: '2026-03-02',
      _sluice_load_id: LOAD,
    })
    expect(row).not.toHaveProperty('gone')
    expect(row!._sluice_id).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(columnsOf(n.schema, 'time_entries')).toEqual({
      _sluice_load_id: 'text',
      _sluice_id: 'text',
      id: 'bigint',
      customers_id: 'bigint',
      time_since: 'timestamp',
      revenue: 'double',
      billable: 'bool',
      text: 'text',
      day: 'text',
    })
    expect(describeChanges(page.changes)).toEqual([
      'time_entries.id:bigint',
      'time_entries.customers_id:bigint',
      'time_entries.time_since:timestamp',
      'time_entries.revenue:double',
      'time_entries.billable:bool',
      'time_entries.text:text',
      'time_entries.day:text',
    ])
  })

  it('gives every root row its own random id', () => {
    const n = setup()
    const page = n.normalizePage(
      'items',
      Array.from({ length: 5000 }, (_, i) => ({ i })),
      LOAD,
    )
    const ids = new Set(rows(page, 'items').map((r) => r._sluice_id))
    expect(ids.size).toBe(5000)
  })

  it('normalizes timestamps to UTC and coerces before making variants', () => {
    const n = setup()
    const page = n.normalizePage(
      'items',
      [
        { ts: '2026-03-02T08:00:00Z', n: 1, s: 'a' },
        { ts: '2026-03-02T10:00:00+02:00', n: '200', s: 5 },
        { ts: 'soon', n: 'idx-1', s: true },
        { ts: 17, n: 2.5 },
      ],
      LOAD,
    )
    const out = rows(page, 'items')
    expect(out[1]).toMatchObject({ ts: '2026-03-02T08:00:00.000Z', n: 200, s: '5' })
    expect(out[2]).toMatchObject({ ts__v_text: 'soon', n__v_text: 'idx-1', s: 'true' })
    expect(out[2]).not.toHaveProperty('ts')
    expect(out[3]).toMatchObject({ ts: '1970-01-01T00:00:17.000Z', n__v_double: 2.5 })
    const cols = n.schema.tables.items!.columns
    expect(cols.find((c) => c.name === 'n__v_text')).toMatchObject({ dataType: 'text', variantOf: 'n' })
    expect(cols.find((c) => c.name === 'n__v_double')).toMatchObject({ dataType: 'double', variantOf: 'n' })
    expect(columnsOf(n.schema, 'items').n).toBe('bigint')
  })

  it('keeps bigints beyond the safe range as strings', () => {
    const n = setup({ columns: { big: { dataType: 'bigint' } } })
    const page = n.normalizePage('items', [{ big: '9007199254740993' }, { big: 5 }], LOAD)
    expect(rows(page, 'items').map((r) => r.big)).toEqual(['9007199254740993', 5])
  })
})

describe('hints', () => {
  it('creates hinted columns up front and marks keys', () => {
    const n = createNormalizer(undefined, { schemaName: 's' })
    const changes = n.registerResource({
      resource: 'users',
      writeDisposition: 'merge',
      primaryKey: ['ID'],
      mergeKey: ['tenant'],
      columns: { Birthday: { dataType: 'date' }, weight: { precision: 10, scale: 2 } },
    })
    expect(changes).toHaveLength(1)
    const table = (changes[0] as Extract<SchemaChange, { kind: 'add-table' }>).table
    expect(table).toMatchObject({ name: 'users', writeDisposition: 'merge', mergeStrategy: 'delete-insert' })
    expect(table.columns.map((c) => c.name)).toEqual(['_sluice_load_id', '_sluice_id', 'birthday'])
    const page = n.normalizePage('users', [{ ID: 1, tenant: 't', Birthday: '2001-02-03', weight: 1.5 }], LOAD)
    expect(rows(page, 'users')[0]).toMatchObject({ id: 1, tenant: 't', birthday: '2001-02-03', weight: 1.5 })
    const cols = n.schema.tables.users!.columns
    expect(cols.find((c) => c.name === 'id')).toMatchObject({
      primaryKey: true,
      nullable: false,
      dataType: 'bigint',
    })
    expect(cols.find((c) => c.name === 'tenant')).toMatchObject({ mergeKey: true, nullable: false })
    expect(cols.find((c) => c.name === 'weight')).toMatchObject({
      precision: 10,
      scale: 2,
      dataType: 'double',
    })
    expect(cols.find((c) => c.name === 'birthday')).toMatchObject({ dataType: 'date' })
  })

  it('sends values that do not fit a hinted type to a variant', () => {
    const n = setup({ columns: { day: { dataType: 'date' } } })
    const page = n.normalizePage('items', [{ day: 'someday' }], LOAD)
    expect(rows(page, 'items')[0]).toMatchObject({ day__v_text: 'someday' })
  })
})

describe('nesting', () => {
  const doc = {
    id: 1,
    budget: { amount: 5, Meta: { Unit: 'h' } },
    tags: ['a', 'b'],
    assignments: [{ serviceId: 3, rates: [10, 20] }, { serviceId: 4 }],
  }

  it('flattens objects and unnests lists into child tables linked by ids', () => {
    const n = setup()
    const page = n.normalizePage('items', [doc], LOAD)
    expect([...page.tables.keys()]).toEqual([
      'items',
      'items__tags',
      'items__assignments',
      'items__assignments__rates',
    ])
    const [root] = rows(page, 'items')
    expect(root).toMatchObject({ id: 1, budget__amount: 5, budget__meta__unit: 'h' })
    expect(root).not.toHaveProperty('tags')
    const tags = rows(page, 'items__tags')
    expect(tags.map((r) => [r.value, r._sluice_list_idx, r._sluice_parent_id])).toEqual([
      ['a', 0, root!._sluice_id],
      ['b', 1, root!._sluice_id],
    ])
    expect(tags[0]).not.toHaveProperty('_sluice_root_id')
    const assignments = rows(page, 'items__assignments')
    expect(assignments.map((r) => r.service_id)).toEqual([3, 4])
    const rates = rows(page, 'items__assignments__rates')
    expect(rates.map((r) => [r.value, r._sluice_parent_id])).toEqual([
      [10, assignments[0]!._sluice_id],
      [20, assignments[0]!._sluice_id],
    ])
    for (const r of [...tags, ...assignments, ...rates]) expect(r._sluice_load_id).toBe(LOAD)
    const schema = n.schema
    expect(schema.tables.items__tags).toMatchObject({ parent: 'items', writeDisposition: 'append' })
    expect(schema.tables.items__assignments__rates?.parent).toBe('items__assignments')
    expect(columnsOf(schema, 'items__tags')).toEqual({
      _sluice_parent_id: 'text',
      _sluice_list_idx: 'bigint',
      _sluice_load_id: 'text',
      _sluice_id: 'text',
      value: 'text',
    })
    expect(describeChanges(page.changes).filter((c) => c.startsWith('table'))).toEqual([
      'table items__tags',
      'table items__assignments',
      'table items__assignments__rates',
    ])
  })

  it('derives child ids from parent id, table and position', () => {
    const spec: Partial<ResourceTableSpec> = {
      writeDisposition: 'merge',
      mergeStrategy: 'upsert',
      primaryKey: ['id'],
    }
    const a = setup(spec).normalizePage('items', [doc], LOAD)
    const b = setup(spec).normalizePage('items', [doc], '1764300001.000')
    expect(rows(a, 'items')[0]!._sluice_id).toBe(rows(b, 'items')[0]!._sluice_id)
    expect(rows(a, 'items__tags').map((r) => r._sluice_id)).toEqual(
      rows(b, 'items__tags').map((r) => r._sluice_id),
    )
    const ids = rows(a, 'items__tags').map((r) => r._sluice_id)
    expect(new Set(ids).size).toBe(2)
  })

  it('adds _sluice_root_id to child tables under merge', () => {
    const n = setup({ writeDisposition: 'merge', primaryKey: ['id'] })
    const page = n.normalizePage('items', [doc], LOAD)
    const rootId = rows(page, 'items')[0]!._sluice_id
    for (const t of ['items__tags', 'items__assignments', 'items__assignments__rates']) {
      for (const r of rows(page, t)) expect(r._sluice_root_id).toBe(rootId)
      expect(columnsOf(n.schema, t)._sluice_root_id).toBe('text')
      expect(n.schema.tables[t]?.writeDisposition).toBe('merge')
    }
  })

  it('stores everything nested as json with maxTableNesting 0', () => {
    const n = setup({ maxTableNesting: 0 })
    const page = n.normalizePage('items', [doc], LOAD)
    expect([...page.tables.keys()]).toEqual(['items'])
    expect(rows(page, 'items')[0]).toMatchObject({
      budget: doc.budget,
      tags: doc.tags,
      assignments: doc.assignments,
    })
    expect(columnsOf(n.schema, 'items')).toMatchObject({ budget: 'json', tags: 'json', assignments: 'json' })
  })

  it('creates only first-level child tables with maxTableNesting 1', () => {
    const n = setup({ maxTableNesting: 1 })
    const page = n.normalizePage('items', [doc], LOAD)
    expect([...page.tables.keys()]).toEqual(['items', 'items__tags', 'items__assignments'])
    expect(rows(page, 'items')[0]).toMatchObject({ budget__amount: 5, budget__meta: { Unit: 'h' } })
    expect(rows(page, 'items__assignments')[0]).toMatchObject({ service_id: 3, rates: [10, 20] })
    expect(columnsOf(n.schema, 'items__assignments').rates).toBe('json')
  })

  it('keeps lists inside lists as json values', () => {
    const n = setup()
    const page = n.normalizePage('items', [{ grid: [[1, 2], [3]] }], LOAD)
    expect(rows(page, 'items__grid').map((r) => r.value)).toEqual([[1, 2], [3]])
  })

  it('stores values of an existing json column as they are', () => {
    const n = setup({ columns: { payload: { dataType: 'json' } } })
    const page = n.normalizePage(
      'items',
      [{ payload: { a: [1, { b: 2 }] } }, { payload: [1] }, { payload: 'x' }],
      LOAD,
    )
    expect(rows(page, 'items').map((r) => r.payload)).toEqual([{ a: [1, { b: 2 }] }, [1], 'x'])
    expect(n.schema.tables.items__payload).toBeUndefined()
  })
})

describe('ids per merge strategy', () => {
  it('hashes the primary key under upsert', () => {
    const n = setup({ writeDisposition: 'merge', mergeStrategy: 'upsert', primaryKey: ['id', 'kind'] })
    const page = n.normalizePage(
      'items',
      [
        { id: 1, kind: 'a', v: 1 },
        { id: 1, kind: 'a', v: 2 },
        { id: 1, kind: 'b', v: 1 },
      ],
      LOAD,
    )
    const [a, b, c] = rows(page, 'items').map((r) => r._sluice_id)
    expect(a).toBe(b)
    expect(a).not.toBe(c)
  })

  it('hashes the row content under scd2', () => {
    const n = setup({ writeDisposition: 'merge', mergeStrategy: 'scd2' })
    const page = n.normalizePage(
      'items',
      [
        { id: 1, v: 1 },
        { v: 1, id: 1 },
        { id: 1, v: 2 },
      ],
      LOAD,
    )
    const [a, b, c] = rows(page, 'items').map((r) => r._sluice_id)
    expect(a).toBe(b)
    expect(a).not.toBe(c)
    expect(n.schema.tables.items?.mergeStrategy).toBe('scd2')
  })
})

describe('schema versions', () => {
  it('bumps the version only when tables change', () => {
    const n = setup()
    const v0 = n.schema
    n.normalizePage('items', [{ a: 1 }], LOAD)
    const v1 = n.schema
    expect(v1.version).toBe(v0.version + 1)
    expect(v1.previousHashes[0]).toBe(v0.versionHash)
    const again = n.normalizePage('items', [{ a: 2 }], LOAD)
    expect(again.changes).toEqual([])
    expect(n.schema.version).toBe(v1.version)
    expect(n.schema.versionHash).toBe(v1.versionHash)
    n.normalizePage('items', [{ b: 2 }], LOAD)
    expect(n.schema.version).toBe(v1.version + 1)
  })

  it('continues from a stored schema without changes for known data', () => {
    const first = setup()
    first.normalizePage('items', [{ a: 1, nested: { b: 'x' }, list: [1] }], LOAD)
    const stored = first.schema
    const second = setup({}, stored)
    const page = second.normalizePage('items', [{ a: 5, nested: { b: 'y' }, list: [2] }], LOAD)
    expect(page.changes).toEqual([])
    expect(second.schema.versionHash).toBe(stored.versionHash)
    expect(second.schema.version).toBe(stored.version)
  })

  it('does not mutate the schema it was given', () => {
    const first = setup()
    first.normalizePage('items', [{ a: 1 }], LOAD)
    const stored = structuredClone(first.schema)
    const copy = structuredClone(stored)
    setup({}, stored).normalizePage('items', [{ b: 1 }], LOAD)
    expect(stored).toEqual(copy)
  })
})

describe('naming limits', () => {
  it('shortens long table and column names with a tag', () => {
    const n = createNormalizer(undefined, { schemaName: 's', maxIdentifierLength: 20 })
    n.registerResource({ resource: 'a_very_long_resource_name_indeed', writeDisposition: 'append' })
    const table = n.tableOf('a_very_long_resource_name_indeed')
    expect(table).toHaveLength(20)
    const page = n.normalizePage(
      'a_very_long_resource_name_indeed',
      [{ some_rather_long_column_name: 1, child_list: [1] }],
      LOAD,
    )
    for (const name of page.tables.keys()) expect(name.length).toBeLessThanOrEqual(20)
    expect(Object.keys(rows(page, table)[0]!).every((k) => k.length <= 20)).toBe(true)
  })
})

describe('contracts', () => {
  function stored(): Schema {
    const n = setup()
    n.normalizePage('items', [{ id: 1, name: 'a', tags: ['x'] }], LOAD)
    return n.schema
  }

  function run(contract: SchemaContract, data: object[], where: 'spec' | 'options' = 'spec') {
    const n = where === 'spec' ? setup({ contract }, stored()) : setup({}, stored(), contract)
    return { n, page: n.normalizePage('items', data, LOAD) }
  }

  function frozen(fn: () => unknown): Error {
    try {
      fn()
    } catch (e) {
      expect(isSluiceError(e, 'SCHEMA_FROZEN')).toBe(true)
      return e as Error
    }
    throw new Error('expected SCHEMA_FROZEN')
  }

  describe('columns', () => {
    const data = [{ id: 2, extra: 'e' }, { id: 3 }]
    it('evolve adds the column', () => {
      const { page } = run({ columns: 'evolve' }, data)
      expect(rows(page, 'items')[0]).toMatchObject({ id: 2, extra: 'e' })
    })
    it('freeze throws naming table and column', () => {
      const e = frozen(() => run({ columns: 'freeze' }, data))
      expect(e.message).toContain('"items"')
      expect(e.message).toContain('"extra"')
      expect(e.message).toContain('evolve')
    })
    it('discard_row drops the row', () => {
      const { page } = run({ columns: 'discard_row' }, data)
      expect(rows(page, 'items').map((r) => r.id)).toEqual([3])
      expect(page.discardedRows).toBe(1)
    })
    it('discard_value drops only the value', () => {
      const { n, page } = run({ columns: 'discard_value' }, data, 'options')
      expect(rows(page, 'items').map((r) => r.id)).toEqual([2, 3])
      expect(rows(page, 'items')[0]).not.toHaveProperty('extra')
      expect(columnsOf(n.schema, 'items')).not.toHaveProperty('extra')
      expect(page.changes).toEqual([])
    })
  })

  describe('data_type', () => {
    const data = [{ id: 'not-a-number', name: 'b' }, { id: 4 }]
    it('evolve makes a variant column', () => {
      const { page } = run({ data_type: 'evolve' }, data)
      expect(rows(page, 'items')[0]).toMatchObject({ id__v_text: 'not-a-number' })
    })
    it('freeze throws', () => {
      const e = frozen(() => run({ data_type: 'freeze' }, data))
      expect(e.message).toContain('"id"')
    })
    it('discard_row drops the row', () => {
      const { page } = run({ data_type: 'discard_row' }, data)
      expect(rows(page, 'items').map((r) => r.id)).toEqual([4])
      expect(page.discardedRows).toBe(1)
    })
    it('discard_value drops only the value', () => {
      const { page } = run({ data_type: 'discard_value' }, data)
      expect(rows(page, 'items')[0]).toMatchObject({ name: 'b' })
      expect(rows(page, 'items')[0]).not.toHaveProperty('id')
      expect(rows(page, 'items')[0]).not.toHaveProperty('id__v_text')
    })
    it('still coerces under freeze', () => {
      const { page } = run('freeze', [{ id: '12' }])
      expect(rows(page, 'items')[0]).toMatchObject({ id: 12 })
    })
  })

  describe('tables', () => {
    const data = [
      { id: 5, others: [{ o: 1 }] },
      { id: 6, tags: ['y'] },
    ]
    it('evolve creates the new child table', () => {
      const { page } = run({ tables: 'evolve' }, data)
      expect(rows(page, 'items__others')).toHaveLength(1)
    })
    it('freeze throws for a new table', () => {
      const e = frozen(() => run({ tables: 'freeze' }, data))
      expect(e.message).toContain('items__others')
    })
    it('discard_row drops the new table rows only', () => {
      const { n, page } = run({ tables: 'discard_row' }, data)
      expect(rows(page, 'items').map((r) => r.id)).toEqual([5, 6])
      expect(rows(page, 'items__others')).toEqual([])
      expect(rows(page, 'items__tags')).toHaveLength(1)
      expect(page.discardedRows).toBe(1)
      expect(n.schema.tables.items__others).toBeUndefined()
    })
    it('discard_value behaves like discard_row for tables', () => {
      const { n } = run({ tables: 'discard_value' }, data)
      expect(n.schema.tables.items__others).toBeUndefined()
    })
    it('freeze on a new root table throws at its first row', () => {
      const n = createNormalizer(undefined, { schemaName: 's', contract: 'freeze' })
      expect(n.registerResource({ resource: 'fresh', writeDisposition: 'append' })).toEqual([])
      frozen(() => n.normalizePage('fresh', [{ a: 1 }], LOAD))
    })
    it('discard_row on a new root table discards its rows', () => {
      const n = createNormalizer(undefined, { schemaName: 's', contract: { tables: 'discard_row' } })
      n.registerResource({ resource: 'fresh', writeDisposition: 'append' })
      const page = n.normalizePage('fresh', [{ a: 1 }, { a: 2 }], LOAD)
      expect(page.discardedRows).toBe(2)
      expect(n.schema.tables.fresh).toBeUndefined()
    })
  })

  it('lets new tables evolve columns and types whatever the contract', () => {
    const n = createNormalizer(undefined, {
      schemaName: 's',
      contract: { columns: 'freeze', data_type: 'freeze' },
    })
    n.registerResource({ resource: 'fresh', writeDisposition: 'append' })
    const page = n.normalizePage('fresh', [{ a: 1 }, { a: 'x', b: 2 }], LOAD)
    expect(rows(page, 'fresh')[1]).toMatchObject({ a__v_text: 'x', b: 2 })
  })

  it('resource contract wins over the options contract', () => {
    const n = createNormalizer(stored(), { schemaName: 'test', contract: 'freeze' })
    n.registerResource({ resource: 'items', writeDisposition: 'append', contract: { columns: 'evolve' } })
    const page = n.normalizePage('items', [{ id: 1, extra: 1 }], LOAD)
    expect(rows(page, 'items')[0]).toMatchObject({ extra: 1 })
    frozen(() => n.normalizePage('items', [{ id: 'x' }], LOAD))
  })
})

describe('odd rows', () => {
  it('wraps scalar and list rows in a value column', () => {
    const n = setup()
    const page = n.normalizePage('items', [5, 'x', [1, 2]] as unknown as object[], LOAD)
    const out = rows(page, 'items')
    expect(out.map((r) => r.value ?? r.value__v_text)).toEqual([5, 'x', undefined])
    expect(rows(page, 'items__value').map((r) => r.value)).toEqual([1, 2])
  })

  it('names empty keys _empty and keeps keys that normalize alike in one column', () => {
    const n = setup()
    const page = n.normalizePage('items', [{ '': 1, userId: 2 }, { user_id: 3 }], LOAD)
    expect(rows(page, 'items').map((r) => [r._empty, r.user_id])).toEqual([
      [1, 2],
      [undefined, 3],
    ])
  })
})

describe('stored tables under a new disposition', () => {
  it('adds _sluice_root_id (nullable) to existing child tables when switching to merge', () => {
    const first = setup()
    first.normalizePage('items', [{ id: 1, tags: ['a'] }], LOAD)
    const n = setup({ writeDisposition: 'merge', primaryKey: ['id'] }, first.schema)
    const page = n.normalizePage('items', [{ id: 1, tags: ['b'] }], LOAD)
    expect(describeChanges(page.changes)).toEqual(['items__tags._sluice_root_id:text'])
    expect(n.schema.tables.items__tags?.columns.find((c) => c.name === '_sluice_root_id')?.nullable).toBe(
      true,
    )
    expect(n.schema.tables.items__tags?.writeDisposition).toBe('merge')
    expect(n.schema.tables.items).toMatchObject({ writeDisposition: 'merge', mergeStrategy: 'delete-insert' })
    expect(n.schema.tables.items?.columns.find((c) => c.name === 'id')).toMatchObject({ primaryKey: true })
    expect(rows(page, 'items__tags')[0]?._sluice_root_id).toBe(rows(page, 'items')[0]?._sluice_id)
  })
})

describe('errors mid-page', () => {
  it('returns changes made before a freeze error with the next call', () => {
    const first = setup()
    first.normalizePage('items', [{ id: 1 }], LOAD)
    const n = setup({ contract: { data_type: 'freeze' } }, first.schema)
    expect(() => n.normalizePage('items', [{ id: 2, extra: 'e' }, { id: 'x' }], LOAD)).toThrow(/freeze/)
    const next = n.normalizePage('items', [{ id: 3 }], LOAD)
    expect(describeChanges(next.changes)).toEqual(['items.extra:text'])
    expect(columnsOf(n.schema, 'items').extra).toBe('text')
  })
})

describe('compiled flat rows', () => {
  const base = { id: 1, name: 'a', at: '2026-03-02T08:00:00Z', rate: 1.5, ok: true, maybe: null as unknown }

  it('gives the same rows as the generic path while shapes change', () => {
    const n = setup()
    const warm = Array.from({ length: 20 }, (_, i) => ({ ...base, id: i }))
    const tricky: Record<string, unknown>[] = [
      { ...base, maybe: 'now' }, // first value for a null-only key: new column
      { ...base, maybe: null },
      { ...base, id: 'x' }, // variant
      { ...base, at: '2026-03-02T10:00:00+02:00' }, // needs coercion
      { ...base, id: 2 ** 60 }, // unsafe integer
      { ...base, extra: 5 }, // extra key
      { id: 3, name: 'b', at: '2026-03-02T08:00:00Z', rate: 1.5, ok: true }, // missing key
      { name: 'c', id: 4, at: '2026-03-02T08:00:00Z', rate: 2, ok: false, maybe: null }, // other order
      { ...base, rate: 7 },
      { ...base, ok: 'yes' },
    ]
    const page = n.normalizePage('items', [...warm, ...tricky], LOAD)
    const out = rows(page, 'items').slice(20)
    const strip = (r: NormalizedRow) =>
      Object.fromEntries(Object.entries(r).filter(([k, v]) => v !== null && k !== '_sluice_id'))
    expect(out.map(strip)).toEqual([
      {
        id: 1,
        name: 'a',
        at: '2026-03-02T08:00:00Z',
        rate: 1.5,
        ok: true,
        maybe: 'now',
        _sluice_load_id: LOAD,
      },
      { id: 1, name: 'a', at: '2026-03-02T08:00:00Z', rate: 1.5, ok: true, _sluice_load_id: LOAD },
      { id__v_text: 'x', name: 'a', at: '2026-03-02T08:00:00Z', rate: 1.5, ok: true, _sluice_load_id: LOAD },
      { id: 1, name: 'a', at: '2026-03-02T08:00:00.000Z', rate: 1.5, ok: true, _sluice_load_id: LOAD },
      {
        id: '1152921504606846976',
        name: 'a',
        at: '2026-03-02T08:00:00Z',
        rate: 1.5,
        ok: true,
        _sluice_load_id: LOAD,
      },
      { id: 1, name: 'a', at: '2026-03-02T08:00:00Z', rate: 1.5, ok: true, extra: 5, _sluice_load_id: LOAD },
      { id: 3, name: 'b', at: '2026-03-02T08:00:00Z', rate: 1.5, ok: true, _sluice_load_id: LOAD },
      { name: 'c', id: 4, at: '2026-03-02T08:00:00Z', rate: 2, ok: false, _sluice_load_id: LOAD },
      { id: 1, name: 'a', at: '2026-03-02T08:00:00Z', rate: 7, ok: true, _sluice_load_id: LOAD },
      { id: 1, name: 'a', at: '2026-03-02T08:00:00Z', rate: 1.5, ok__v_text: 'yes', _sluice_load_id: LOAD },
    ])
    for (const r of rows(page, 'items')) expect(r._sluice_id).toMatch(/^[A-Za-z0-9_-]{16}$/)
    // the compiled path writes null for a known column (the generic path leaves it out): proves it ran
    expect(out[1]).toHaveProperty('maybe', null)
    expect(describeChanges(page.changes)).toEqual([
      'items.id:bigint',
      'items.name:text',
      'items.at:timestamp',
      'items.rate:double',
      'items.ok:bool',
      'items.maybe:text',
      'items.id__v_text:text',
      'items.extra:bigint',
      'items.ok__v_text:text',
    ])
  })

  it('keeps rows of a few alternating shapes on the compiled path', () => {
    const n = setup()
    n.normalizePage('items', [{ id: 0, note: 'seen', a: 1, b: 'x' }], LOAD)
    const alternating = Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0 ? { id: i, note: null, a: i } : { id: i, note: null, b: 'y', a: i },
    )
    const out = rows(n.normalizePage('items', alternating, LOAD), 'items')
    // the compiled path writes null for a known column (the generic path leaves it out)
    expect(out[198]).toHaveProperty('note', null)
    expect(out[199]).toHaveProperty('note', null)
    expect(out[199]).toMatchObject({ id: 199, b: 'y', a: 199 })
    expect(out[198]).not.toHaveProperty('b')
  })

  it('embeds odd keys safely', () => {
    const n = setup()
    const key = `"); throw new Error('pwned'); ("\\\n\u2028`
    const data = Array.from({ length: 5 }, (_, i) => ({ [key]: i, 'a"b': 'q"uote' }))
    const page = n.normalizePage('items', data, LOAD)
    const col = n.normalizeIdentifier(key)
    expect(rows(page, 'items').map((r) => [r[col], r.a_b])).toEqual(data.map((_, i) => [i, 'q"uote']))
  })

  it('hashes scd2 rows alike on both paths', () => {
    const n = setup({ writeDisposition: 'merge', mergeStrategy: 'scd2' })
    const page = n.normalizePage('items', [{ id: 1, v: null }, { id: 1, v: null }, { id: 1 }], LOAD)
    const ids = rows(page, 'items').map((r) => r._sluice_id)
    expect(new Set(ids).size).toBe(1)
  })
})
