import { describe, expect, it } from 'vitest'
import { LOAD } from '../../test/normalize/normalize-helpers.ts'
import type { Schema } from '../schema/schema-types.ts'
import type { NormalizedPage, NormalizedRow, NormalizerOptions, ValueNote } from './normalize-types.ts'
import { createNormalizer } from './normalizer.ts'
import { noteMessage } from './value-notes.ts'

function setup(options: Partial<NormalizerOptions> = {}, schema?: Schema) {
  const n = createNormalizer(schema, { schemaName: 'test', ...options })
  n.registerResource({
    resource: 'items',
    writeDisposition: 'append',
    columns: { day: { dataType: 'date' }, price: { dataType: 'decimal', precision: 10, scale: 2 } },
  })
  return n
}

const rows = (page: NormalizedPage): NormalizedRow[] => page.tables.get('items') ?? []
const types = (n: ReturnType<typeof setup>): Record<string, string> =>
  Object.fromEntries(n.schema.tables['items']!.columns.map((c) => [c.name, c.dataType]))
const note = (column: string, kind: ValueNote['kind'], count = 1, detail?: string): ValueNote => ({
  table: 'items',
  column,
  kind,
  count,
  ...(detail ? { detail } : {}),
})

describe('values no destination can store do not reach the job file as they are', () => {
  it('an integer beyond int64 goes to a double variant of a bigint column (not the bigint column)', () => {
    const n = setup()
    n.normalizePage('items', [{ n: 1 }], LOAD)
    // 1e20 written as an integer literal, and 2^63: JSON.parse gives doubles
    const page = n.normalizePage(
      'items',
      JSON.parse('[{"n": 100000000000000000000}, {"n": 9223372036854775808}]'),
      LOAD,
    )
    expect(rows(page).map((r) => [r.n, r.n__v_double])).toEqual([
      [undefined, 1e20],
      [undefined, 2 ** 63],
    ])
    expect(types(n).n__v_double).toBe('double')
    expect(page.notes).toEqual([
      note('n', 'imprecise-integer', 2),
      note('n', 'out-of-range', 2, 'n__v_double'),
    ])
  })

  it('infers a double column for a first value beyond int64', () => {
    const n = setup()
    const page = n.normalizePage('items', JSON.parse('[{"big": 100000000000000000000}]'), LOAD)
    expect(types(n).big).toBe('double')
    expect(rows(page)[0]!.big).toBe(1e20)
  })

  it('counts integers beyond 2^53 that a JSON number cannot hold exactly', () => {
    const n = setup()
    n.normalizePage('items', [{ id: 1, label: 'x' }], LOAD)
    const page = n.normalizePage(
      'items',
      JSON.parse('[{"id": 9007199254740993, "label": 9007199254740993}]'),
      LOAD,
    )
    // what JSON.parse gave (…992), loaded as it is, but not silently
    expect(rows(page)[0]).toMatchObject({ id: '9007199254740992', label: '9007199254740992' })
    expect(page.notes).toEqual([note('id', 'imprecise-integer'), note('label', 'imprecise-integer')])
    expect(noteMessage(page.notes![0]!)).toBe(
      'items.id: 1 integer beyond ±2^53 may have lost its last digits (a JSON number holds 53 bits); have the source send it as a string to keep every digit',
    )
  })

  it('leaves NaN and ±Infinity out, without a column or a variant for them', () => {
    const n = setup()
    n.normalizePage('items', [{ x: 1.5 }], LOAD)
    // 1e400 is Infinity after JSON.parse
    const page = n.normalizePage(
      'items',
      [...JSON.parse('[{"x": 1e400, "y": -1e400}]'), { x: Number.NaN, y: 2.5 }],
      LOAD,
    )
    expect(rows(page).map((r) => [r.x, r.y])).toEqual([
      [undefined, undefined],
      [undefined, 2.5],
    ])
    expect(Object.keys(types(n)).filter((c) => c.includes('__v_'))).toEqual([])
    expect(page.notes).toEqual([note('x', 'not-finite', 2), note('y', 'not-finite')])
    // the compiled path for flat rows leaves them too
    const warm = n.normalizePage(
      'items',
      Array.from({ length: 5 }, () => ({ x: 1, y: 2 })),
      LOAD,
    )
    expect(warm.notes).toBeUndefined()
    const fast = n.normalizePage('items', [{ x: Number.POSITIVE_INFINITY, y: 2 }], LOAD)
    expect(rows(fast)[0]!.x).toBeUndefined()
    expect(fast.notes).toEqual([note('x', 'not-finite')])
  })

  it('keeps -0 and numbers before 1970 as they are', () => {
    const n = setup()
    const page = n.normalizePage('items', [{ z: -0, at: '1969-07-20T20:17:40Z', d: -1.5 }], LOAD)
    expect(rows(page)[0]).toMatchObject({ z: -0, at: '1969-07-20T20:17:40Z', d: -1.5 })
    expect(page.notes).toBeUndefined()
  })

  it('moves timestamps and dates outside the years 1-9999 to a text variant', () => {
    const n = setup()
    n.normalizePage('items', [{ at: '2026-03-02T08:00:00Z', day: '2026-03-02' }], LOAD)
    const page = n.normalizePage(
      'items',
      [
        { at: '0000-01-01T00:00:00Z', day: '0000-01-01' },
        { at: '0001-01-01T00:30:00+01:00' },
        { at: '9999-12-31T23:00:00-02:00' },
        { at: 1e12 },
      ],
      LOAD,
    )
    expect(rows(page).map((r) => [r.at, r.at__v_text ?? r.at__v_bigint, r.day, r.day__v_text])).toEqual([
      [undefined, '0000-01-01T00:00:00Z', undefined, '0000-01-01'],
      [undefined, '0001-01-01T00:30:00+01:00', undefined, undefined],
      [undefined, '9999-12-31T23:00:00-02:00', undefined, undefined],
      [undefined, 1e12, undefined, undefined],
    ])
    expect(page.notes).toEqual([
      note('at', 'out-of-range', 3, 'at__v_text'),
      note('day', 'out-of-range', 1, 'day__v_text'),
      note('at', 'out-of-range', 1, 'at__v_bigint'),
    ])
    // a first value of the year 0 is text (as a bare date is), not a timestamp column
    const m = setup()
    m.normalizePage('items', [{ born: '0000-01-01T00:00:00Z' }], LOAD)
    expect(types(m).born).toBe('text')
  })

  it('moves decimals beyond the column precision to a text variant', () => {
    const n = setup()
    const page = n.normalizePage(
      'items',
      [{ price: '12345678.91' }, { price: '123456789.5' }, { price: 1e40 }],
      LOAD,
    )
    expect(rows(page).map((r) => [r.price, r.price__v_text, r.price__v_double])).toEqual([
      ['12345678.91', undefined, undefined],
      [undefined, '123456789.5', undefined],
      [undefined, undefined, 1e40],
    ])
    expect(page.notes).toEqual([
      note('price', 'out-of-range', 1, 'price__v_text'),
      note('price', 'imprecise-integer'),
      note('price', 'out-of-range', 1, 'price__v_double'),
    ])
  })

  it('puts a JS bigint beyond int64 in a decimal column, or as text beyond 38 digits', () => {
    const n = setup()
    const page = n.normalizePage('items', [{ big: 2n ** 70n }, { big: 10n ** 40n }], LOAD)
    expect(types(n).big).toBe('decimal')
    expect(rows(page).map((r) => [r.big, r.big__v_text])).toEqual([
      ['1180591620717411303424', undefined],
      [undefined, `1${'0'.repeat(40)}`],
    ])
  })

  it("cuts text to the destination's maxTextBytes at a character boundary, on every path", () => {
    const n = setup({ values: { maxTextBytes: 10 } })
    n.normalizePage('items', [{ t: 'short' }], LOAD)
    const page = n.normalizePage('items', [{ t: 'x'.repeat(20) }, { t: '€€€€' }, { t: 'é'.repeat(4) }], LOAD)
    expect(rows(page).map((r) => r.t)).toEqual(['x'.repeat(10), '€€€', 'é'.repeat(4)])
    expect(page.notes).toEqual([note('t', 'text-cut', 2)])
    // compiled flat rows check the length too
    n.normalizePage(
      'items',
      Array.from({ length: 4 }, () => ({ t: 'a' })),
      LOAD,
    )
    expect(n.flatShapes?.('items')?.maxTextChars).toBe(3)
    const fast = n.normalizePage('items', [{ t: 'y'.repeat(11) }], LOAD)
    expect(rows(fast)[0]!.t).toBe('y'.repeat(10))
  })
})
