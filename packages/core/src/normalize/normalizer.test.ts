import { describe, expect, it } from 'vitest'
import { columnsOf, describeChanges, LOAD, rows, setup } from '../../test/normalize/normalize-helpers.ts'
import { identifierTag } from '../schema/naming-convention.ts'
import type { ResourceTableSpec } from './normalize-types.ts'
import { createNormalizer } from './normalizer.ts'

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
    // scd2: root ids are row hashes, the same in both runs
    const spec: Partial<ResourceTableSpec> = { writeDisposition: 'merge', mergeStrategy: 'scd2' }
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
  it('gives random ids under scd2 with a row version column, and keeps the options with normalized names', () => {
    const n = setup({
      writeDisposition: 'merge',
      mergeStrategy: 'scd2',
      scd2: { validityColumnNames: ['Valid From', 'Valid To'], rowVersionColumnName: 'Row Hash' },
    })
    const page = n.normalizePage(
      'items',
      [
        { id: 1, 'Row Hash': 'x' },
        { id: 1, 'Row Hash': 'x' },
      ],
      LOAD,
    )
    const [a, b] = rows(page, 'items').map((r) => r._sluice_id)
    expect(a).not.toBe(b)
    expect(n.schema.tables.items?.scd2).toEqual({
      validityColumnNames: ['valid_from', 'valid_to'],
      rowVersionColumnName: 'row_hash',
    })
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

describe('odd rows', () => {
  it('wraps scalar and list rows in a value column', () => {
    const n = setup()
    const page = n.normalizePage('items', [5, 'x', [1, 2]] as unknown as object[], LOAD)
    const out = rows(page, 'items')
    expect(out.map((r) => r.value ?? r.value__v_text)).toEqual([5, 'x', undefined])
    expect(rows(page, 'items__value').map((r) => r.value)).toEqual([1, 2])
  })

  it('names empty keys _empty; a key named like another key of the object gets a tagged column', () => {
    const n = setup()
    const page = n.normalizePage('items', [{ '': 1, userId: 2 }, { user_id: 3 }], LOAD)
    const tagged = `user_id_${identifierTag('user_id')}`
    expect(rows(page, 'items').map((r) => [r._empty, r.user_id, r[tagged]])).toEqual([
      [1, 2, undefined],
      [undefined, undefined, 3],
    ])
    expect(page.notes).toEqual([
      { table: 'items', column: 'user_id', kind: 'renamed-key', count: 1, detail: tagged },
    ])
  })
})
