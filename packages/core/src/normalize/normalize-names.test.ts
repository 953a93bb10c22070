import { describe, expect, it } from 'vitest'
import { LOAD } from '../../test/normalize/normalize-helpers.ts'
import { identifierTag } from '../schema/naming-convention.ts'
import type { Schema } from '../schema/schema-types.ts'
import type { NormalizedRow, ResourceTableSpec } from './normalize-types.ts'
import { createNormalizer } from './normalizer.ts'

const tagged = (name: string, key: string): string => `${name}_${identifierTag(key)}`

function setup(schema?: Schema, spec: Partial<ResourceTableSpec> = {}) {
  const n = createNormalizer(schema, { schemaName: 'test' })
  n.registerResource({ resource: 'items', writeDisposition: 'append', ...spec })
  return n
}

/** The row's data columns (system columns left out). */
function data(row: NormalizedRow | undefined): NormalizedRow {
  return Object.fromEntries(Object.entries(row ?? {}).filter(([k]) => !k.startsWith('_sluice_')))
}

describe('source keys that normalize to the same name', () => {
  const ALIKE = { userId: 1, user_id: 2, UserID: 3, 'user-id': 4, 'user id': 5 }

  it('each key of one object keeps its value in a column of its own, the first keeping the plain name', () => {
    const n = setup()
    const page = n.normalizePage('items', [ALIKE], LOAD)
    expect(data(page.tables.get('items')![0])).toEqual({
      user_id: 1,
      [tagged('user_id', 'user_id')]: 2,
      [tagged('user_id', 'UserID')]: 3,
      [tagged('user_id', 'user-id')]: 4,
      [tagged('user_id', 'user id')]: 5,
    })
    expect(page.notes?.map((x) => [x.column, x.kind, x.detail])).toEqual([
      ['user_id', 'renamed-key', tagged('user_id', 'user_id')],
      ['UserID', 'renamed-key', tagged('user_id', 'UserID')],
      ['user-id', 'renamed-key', tagged('user_id', 'user-id')],
      ['user id', 'renamed-key', tagged('user_id', 'user id')],
    ])
    // the schema records each column's key: a later run (in any key order, or with one key alone) keeps them
    const stored = n.schema
    expect(stored.tables['items']!.columns.find((c) => c.name === 'user_id')?.sourcePath).toEqual(['userId'])
    const reversed = Object.fromEntries(Object.entries(ALIKE).reverse())
    const again = setup(stored).normalizePage('items', [reversed, { user_id: 6 }, { 'user id': 7 }], LOAD)
    expect(again.tables.get('items')!.map(data)).toEqual([
      data(page.tables.get('items')![0]),
      { [tagged('user_id', 'user_id')]: 6 },
      { [tagged('user_id', 'user id')]: 7 },
    ])
    expect(again.notes).toBeUndefined()
    expect(again.changes).toEqual([])
  })

  it('keys in rows of their own get distinct columns too (no column ever holds two keys)', () => {
    const n = setup()
    const page = n.normalizePage('items', [{ user_id: 1 }, { userId: 2 }], LOAD)
    expect(page.tables.get('items')!.map(data)).toEqual([
      { user_id: 1 },
      { [tagged('user_id', 'userId')]: 2 },
    ])
  })

  it('non-Latin keys that snake_case turns into the same name, and blank keys', () => {
    const n = setup()
    const page = n.normalizePage('items', [{ 名前: 'Taro', 価格: 100, '': 'a', ' ': 'b' }], LOAD)
    expect(data(page.tables.get('items')![0])).toEqual({
      x: 'Taro',
      [tagged('x', '価格')]: 100,
      _empty: 'a',
      [tagged('_empty', ' ')]: 'b',
    })
  })

  it('a key named like a system or variant column does not write into it', () => {
    const n = setup()
    n.normalizePage('items', [{ n: 1 }, { n: 'text' }], LOAD)
    const page = n.normalizePage(
      'items',
      [{ _sluice_id: 'mine', _sluice_load_id: 'x', n: { v_text: 'nested' } }],
      LOAD,
    )
    const row = page.tables.get('items')![0]!
    expect(row._sluice_load_id).toBe(LOAD)
    expect(row._sluice_id).not.toBe('mine')
    expect(row[tagged('_sluice_id', '_sluice_id')]).toBe('mine')
    expect(row[tagged('_sluice_load_id', '_sluice_load_id')]).toBe('x')
    // n__v_text is the variant of n; the nested key n.v_text gets a tagged name
    expect(row.n__v_text).toBeUndefined()
    expect(row[`n__${tagged('v_text', 'v_text')}`]).toBe('nested')
  })

  it('a variant does not take the name of a column of data', () => {
    const n = setup()
    n.normalizePage('items', [{ a: 1, a__v_text: 'data' }], LOAD)
    // the top-level key a__v_text normalizes to a_v_text; a nested one is a__v_text
    n.normalizePage('items', [{ a: { v_text: 'nested' } }], LOAD)
    const page = n.normalizePage('items', [{ a: 'not a number' }], LOAD)
    const variant = n.schema.tables['items']!.columns.find((c) => c.variantOf === 'a')!
    expect(variant.name).not.toBe('a__v_text')
    expect(page.tables.get('items')![0]![variant.name]).toBe('not a number')
  })

  it('objects and lists whose keys normalize alike get distinct columns and child tables', () => {
    const n = setup()
    const page = n.normalizePage(
      'items',
      [{ Customer: { name: 'A' }, customer: { name: 'B' }, Tags: ['x'], tags: ['y'] }],
      LOAD,
    )
    expect(data(page.tables.get('items')![0])).toEqual({
      customer__name: 'A',
      [`${tagged('customer', 'customer')}__name`]: 'B',
    })
    expect(page.tables.get('items__tags')!.map((r) => r.value)).toEqual(['x'])
    expect(page.tables.get(`items__${tagged('tags', 'tags')}`)!.map((r) => r.value)).toEqual(['y'])
    // and keep them in the next run
    const again = setup(n.schema).normalizePage('items', [{ tags: ['z'], customer: { name: 'C' } }], LOAD)
    expect(data(again.tables.get('items')![0])).toEqual({ [`${tagged('customer', 'customer')}__name`]: 'C' })
    expect(again.tables.get(`items__${tagged('tags', 'tags')}`)!.map((r) => r.value)).toEqual(['z'])
  })

  it('a hinted key keeps its name against keys of the data', () => {
    const n = setup(undefined, { primaryKey: ['userId'], columns: { userId: { dataType: 'bigint' } } })
    const page = n.normalizePage('items', [{ user_id: 9, userId: 1 }], LOAD)
    expect(data(page.tables.get('items')![0])).toEqual({ user_id: 1, [tagged('user_id', 'user_id')]: 9 })
  })

  it('a column of a schema without source paths goes to the first key that asks for it, from then on', () => {
    const old = setup()
    old.normalizePage('items', [{ user_id: 1 }], LOAD)
    const schema = structuredClone(old.schema)
    for (const c of schema.tables['items']!.columns) delete c.sourcePath
    const n = setup(schema)
    const page = n.normalizePage('items', [{ userId: 2, user_id: 3 }], LOAD)
    expect(data(page.tables.get('items')![0])).toEqual({ user_id: 2, [tagged('user_id', 'user_id')]: 3 })
    expect(n.schema.tables['items']!.columns.find((c) => c.name === 'user_id')?.sourcePath).toEqual([
      'userId',
    ])
  })
})
