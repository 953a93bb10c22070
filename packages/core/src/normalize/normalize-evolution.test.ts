// How the normalizer's schema evolves: hints, versions, contracts, dispositions (normalize-evolution.ts).
import { describe, expect, it } from 'vitest'
import { columnsOf, describeChanges, LOAD, rows, setup } from '../../test/normalize/normalize-helpers.ts'
import { isSluiceError } from '../errors.ts'
import type { Schema, SchemaChange, SchemaContract } from '../schema/schema-types.ts'
import { createNormalizer } from './normalizer.ts'

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
