import { describe, expect, it } from 'vitest'
import { describeChanges, LOAD, rows, setup } from '../../test/normalize/normalize-helpers.ts'
import type { NormalizedRow } from './normalize-types.ts'

// Compiled flat rows (one object literal per shape, flat-row-compiler.ts) must give exactly the rows of the
// generic path, whatever the shapes do.

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
