import type { Column } from '@sluice/core/destination'
import { isSluiceError } from '@sluice/core/destination'
import { describe, expect, it } from 'vitest'
import { type InsertBatch, insertBatches } from './redshift-insert.ts'

const columns: Column[] = [
  { name: 'id', dataType: 'bigint' },
  { name: 'meta', dataType: 'json' },
  { name: 'blob', dataType: 'binary' },
]

async function* rowsOf(rows: Record<string, unknown>[]) {
  yield* rows
}

async function collect(
  rows: Record<string, unknown>[],
  limits = { maxStatementBytes: 16_000_000, maxParams: 32767 },
): Promise<InsertBatch[]> {
  const out: InsertBatch[] = []
  for await (const b of insertBatches('"ds_staging"."t"', columns, rowsOf(rows), limits)) out.push(b)
  return out
}

describe('insertBatches', () => {
  it('writes one multi-row INSERT with parameters: JSON_PARSE for json, TO_VARBYTE for binary, NULL for missing', async () => {
    const batches = await collect([
      { id: 1, meta: { a: [1, 'x'] }, blob: 'aGk=' },
      { id: '9007199254740993', meta: 'just a string' },
    ])
    expect(batches).toEqual([
      {
        sql: `INSERT INTO "ds_staging"."t" ("id", "meta", "blob") VALUES ($1, JSON_PARSE($2), TO_VARBYTE($3, 'base64')), ($4, JSON_PARSE($5), TO_VARBYTE($6, 'base64'))`,
        params: [1, '{"a":[1,"x"]}', 'aGk=', '9007199254740993', '"just a string"', null],
        rows: 2,
      },
    ])
  })

  it('starts a new statement before the byte or parameter limit, numbering parameters from $1 again', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ id: i, meta: null, blob: 'x'.repeat(100) }))
    const bySize = await collect(rows, { maxStatementBytes: 600, maxParams: 32767 })
    expect(bySize.length).toBeGreaterThan(2)
    for (const b of bySize) {
      expect(new TextEncoder().encode(b.sql).length + b.params.join('').length).toBeLessThanOrEqual(600)
      expect(b.sql).toContain('VALUES ($1, JSON_PARSE($2)')
      expect(b.params).toHaveLength(b.rows * 3)
    }
    expect(bySize.reduce((n, b) => n + b.rows, 0)).toBe(10)
    const byParams = await collect(rows, { maxStatementBytes: 16_000_000, maxParams: 7 })
    expect(byParams.map((b) => b.rows)).toEqual([2, 2, 2, 2, 2])
  })

  it('refuses a row larger than one statement may be', async () => {
    const error = await collect([{ id: 1, blob: 'x'.repeat(1000) }], {
      maxStatementBytes: 500,
      maxParams: 100,
    }).catch((e: unknown) => e)
    expect(isSluiceError(error, 'DESTINATION_DATA')).toBe(true)
    expect((error as Error).message).toMatch(/larger than one INSERT may be.*staging = "filesystem"/)
  })

  it('writes nothing for no rows', async () => {
    expect(await collect([])).toEqual([])
  })
})
