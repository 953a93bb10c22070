import { describe, expect, it } from 'vitest'
import type { NormalizedRow } from '../normalize/normalize-types.ts'
import { createNormalizer } from '../normalize/normalizer.ts'
import { BufferPool, EncoderCache, encodeFlatRows, encodeRows } from './encoded-rows.ts'
import { NOT_THIS_SHAPE } from './flat-csv-encoder.ts'

// Rows of a compiled flat shape are written straight from the source row: the bytes must be exactly those of the
// normalized row encoded by the table's csv encoder (ids aside, which are random).
const text = (b: Uint8Array): string => new TextDecoder().decode(b)
const FIXED_ID = 'IIIIIIIIIIIIIIII'
const putId = (out: Uint8Array, p: number): number => {
  for (let i = 0; i < 16; i++) out[p++] = 73
  return p
}

/** A normalizer that has seen `first` (so its flat shapes are compiled), and the flat-shape encoders. */
function setup(first: object[]) {
  const n = createNormalizer(undefined, { schemaName: 's' })
  n.registerResource({ resource: 'items', primaryKey: ['id'], writeDisposition: 'append' })
  n.normalizePage('items', first, 'L1')
  const cache = new EncoderCache()
  const columns = () => n.schema.tables['items']!.columns
  const shapes = () => n.flatShapes!('items')!.keys.map((k) => cache.flatShape('items', k, columns())!)
  const others: object[] = []
  const other = (row: object, out: Uint8Array, p: number): number => {
    others.push(row)
    const page = n.normalizePage('items', [row], 'L1')
    const children = [...page.tables].some(([t, r]) => t !== 'items' && r.length > 0)
    if (page.changes.length > 0 || children) return NOT_THIS_SHAPE
    const normalized = { ...page.tables.get('items')![0]!, _sluice_id: FIXED_ID }
    return cache.get('items', columns())(normalized, out, p)
  }
  /** What the generic path writes for `rows`, with the ids fixed. */
  const expected = (rows: object[]): string => {
    const normalized = n.normalizePage('items', rows, 'L1').tables.get('items')!
    const fixed = normalized.map((r: NormalizedRow) => ({ ...r, _sluice_id: FIXED_ID }))
    return text(encodeRows('csv', fixed, cache.get('items', columns())))
  }
  return { n, shapes, other, others, expected }
}

const FIRST = [
  { id: 1, name: 'a', price: 2.25, ok: true, at: '2024-01-02T03:04:05Z', note: null },
  { name: 'b', id: 2, price: 2.5, ok: false, at: '2024-01-02T03:04:05Z', note: 'x' },
]

describe('encodeFlatRows', () => {
  it('writes the bytes the normalizer and the csv encoder write, for every kind of value', async () => {
    const { shapes, other, others, expected } = setup(FIRST)
    const rows = [
      { id: 3, name: 'comma, "quote"\nline', price: -7, ok: false, at: '2025-12-31T23:59:59Z', note: '' },
      { id: 4, name: 'Grüße – 😀', price: 0, ok: true, at: null, note: '\\.' },
      { name: '', id: 5, price: 1e21, ok: null, at: '2024-02-29T00:00:00Z', note: null },
      { name: 'x'.repeat(5000), id: 2 ** 40, price: 0.1, ok: true, at: '2024-01-02T03:04:05Z', note: 'n' },
    ]
    const ends = new Uint32Array(rows.length)
    // a small first buffer: the rows must survive growing it
    const bytes = encodeFlatRows(shapes(), rows, 'L1', putId, 1024, ends, other)!
    expect(text(bytes)).toBe(expected(rows))
    expect(others).toEqual([])
    expect(ends[3]).toBe(bytes.length)
    expect(text(bytes.subarray(0, ends[0]!))).toBe(expected([rows[0]!]))
  })

  it('hands rows of no compiled shape to `other`, in their place, and gives up when `other` does', async () => {
    const { shapes, other, others, expected } = setup(FIRST)
    const fits = { id: 6, name: 'f', price: 3, ok: true, at: '2024-01-02T03:04:05Z', note: 'y' }
    // fewer keys: a shape not compiled yet (but no change to the schema)
    const fewer = { ok: true, id: 7, name: 'g', price: 1.5 }
    const rows = [fits, fewer, fits]
    const ends = new Uint32Array(rows.length)
    others.length = 0
    const bytes = encodeFlatRows(shapes(), rows, 'L1', putId, 64, ends, other)!
    expect(others).toEqual([fewer])
    expect(text(bytes)).toBe(expected(rows))
    // an array (wrapped as `{ value: [...] }`, with child rows) and a text in the double column (a new variant
    // column) end the flat path for their page
    for (const odd of [[1, 2], { ...fits, price: 'not a number' }]) {
      others.length = 0
      expect(
        encodeFlatRows(shapes(), [fits, odd], 'L1', putId, 64, new Uint32Array(2), other),
      ).toBeUndefined()
      expect(others).toEqual([odd])
    }
  })

  it('has no flat shapes for ids hashed from the row (scd2)', () => {
    const n = createNormalizer(undefined, { schemaName: 's' })
    n.registerResource({ resource: 'items', writeDisposition: 'merge', mergeStrategy: 'scd2' })
    n.normalizePage('items', FIRST, 'L1')
    expect(n.flatShapes!('items')).toBeUndefined()
    const m = createNormalizer(undefined, { schemaName: 's' })
    m.registerResource({ resource: 'items', writeDisposition: 'append' })
    m.normalizePage('items', FIRST, 'L1')
    expect(m.flatShapes!('items')?.keys.length).toBeGreaterThan(0)
    expect(m.flatShapes!('items')?.orderedIds).toBe(false)
  })

  for (const mergeStrategy of ['delete-insert', 'upsert'] as const) {
    it(`under merge (${mergeStrategy}) with a key, requires the key and writes the ids putId gets the row's index for`, () => {
      const n = createNormalizer(undefined, { schemaName: 's' })
      n.registerResource({ resource: 'items', primaryKey: ['id'], writeDisposition: 'merge', mergeStrategy })
      n.normalizePage('items', FIRST, 'L1')
      const flat = n.flatShapes!('items')!
      expect(flat.orderedIds).toBe(true)
      expect(flat.keys.at(-1)!.find((k) => k.column === 'id')?.required).toBe(true)
      const cache = new EncoderCache()
      const columns = n.schema.tables['items']!.columns
      const fns = flat.keys.map((k) => cache.flatShape('items', k, columns)!)
      const at: number[] = []
      const indexId = (out: Uint8Array, p: number, i: number): number => {
        at.push(i)
        return putId(out, p)
      }
      const others: object[] = []
      const other = (row: object): number => {
        others.push(row)
        return NOT_THIS_SHAPE
      }
      const fit = { ...FIRST[0]!, id: 9 }
      const bytes = encodeFlatRows(fns, [fit, fit, fit], 'L1', indexId, 64, new Uint32Array(3), other)
      expect(bytes).toBeDefined()
      expect(at).toEqual([0, 1, 2])
      // a null key leaves the compiled path (the normalizer then refuses the row)
      const noKey = { ...FIRST[0]!, id: null }
      expect(encodeFlatRows(fns, [fit, noKey], 'L1', indexId, 64, new Uint32Array(2), other)).toBeUndefined()
      expect(others).toEqual([noKey])
    })
  }
})

describe('BufferPool', () => {
  it('hands out the smallest spare buffer that fits, else a new one, and keeps the 8 largest', () => {
    const pool = new BufferPool()
    const sizes = [4096, 2048, 8192, 1024, 1024, 1024, 1024, 1024, 1024, 1024]
    const buffers = sizes.map((n) => new ArrayBuffer(n))
    pool.give(buffers)
    expect(pool.take(3000).buffer).toBe(buffers[0])
    expect(pool.take(9000).byteLength).toBe(9000)
    expect(pool.take(5000).buffer).toBe(buffers[2])
    expect(pool.take(2000).buffer).toBe(buffers[1])
    // two of the 1 KiB buffers were dropped: five are left
    const left = Array.from({ length: 6 }, () => pool.take(1024).buffer)
    expect(left.filter((b) => buffers.includes(b as ArrayBuffer))).toHaveLength(5)
  })
})
