import { describe, expect, it } from 'vitest'
import { LOAD, rows, setup } from '../../test/normalize/normalize-helpers.ts'

// Merge tables with a primary key: root ids that sort in extraction order (so the last row of a key wins on
// every destination), and no row without its key.

describe('merge rows with a primary key', () => {
  for (const mergeStrategy of ['delete-insert', 'upsert'] as const) {
    it(`orders ids by extraction position under ${mergeStrategy} with a primary key`, () => {
      const n = setup({ writeDisposition: 'merge', mergeStrategy, primaryKey: ['id', 'kind'] })
      const first = n.normalizePage(
        'items',
        [
          { id: 1, kind: 'a', v: 1 },
          { id: 1, kind: 'a', v: 2 },
        ],
        LOAD,
      )
      const second = n.normalizePage('items', [{ id: 1, kind: 'a', v: 3 }], LOAD)
      const given = n.normalizePage('items', [{ id: 1, kind: 'a', v: 4 }], LOAD, 1_000_000_123)
      const ids = [...rows(first, 'items'), ...rows(second, 'items'), ...rows(given, 'items')].map(
        (r) => r._sluice_id as string,
      )
      expect(ids.map((id) => id.slice(0, 12))).toEqual([
        '000000000000',
        '000000000001',
        '000000000002',
        '001000000123',
      ])
      // the same key twice gets two ids, and the later one sorts last (as text, byte by byte)
      expect(new Set(ids).size).toBe(4)
      expect([...ids].sort()).toEqual(ids)
      for (const id of ids) expect(id).toMatch(/^\d{12}[A-Za-z0-9_-]{16}$/)
    })
  }

  it('refuses a merge row without its primary key (it would collapse with the others)', () => {
    const n = setup({ writeDisposition: 'merge', primaryKey: ['id'] })
    n.normalizePage('items', [{ id: 1, v: 1 }], LOAD)
    for (const row of [{ id: null, v: 1 }, { v: 2 }, { id: 'x1', v: 3 }]) {
      const id = row.id === 'x1' ? 'id__v_text' : undefined
      expect(() => n.normalizePage('items', [{ id: 2, v: 0 }, row], LOAD)).toThrow(
        expect.objectContaining({
          code: 'PRIMARY_KEY_MISSING',
          message: expect.stringMatching(
            id ? /primary key column id \(its value .* went to id__v_text\)/ : /primary key column id;/,
          ),
        }),
      )
    }
    // append has no such rule
    const a = setup({ primaryKey: ['id'] })
    expect(rows(a.normalizePage('items', [{ v: 1 }], LOAD), 'items')).toHaveLength(1)
  })
})
