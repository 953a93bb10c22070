import { describe, expect, it } from 'vitest'
import { pageRows } from '../page-workers/page-parse.ts'
import { defineResource, defineSource } from './define-resource.ts'

async function* pages(): AsyncGenerator<{ id: number }[]> {
  yield [{ id: 1 }]
}

describe('defineResource / defineSource', () => {
  it('returns valid definitions unchanged, with typed rows', async () => {
    const r = defineResource<{ id: number }>({
      name: 'things',
      primaryKey: 'id',
      writeDisposition: 'merge',
      read: pages,
    })
    const rows: number[] = []
    for await (const page of r.read({} as never))
      for (const row of pageRows(page) as { id: number }[]) rows.push(row.id)
    expect(rows).toEqual([1])
    const s = defineSource({ name: 'src', resources: [r] })
    expect(s.resources).toEqual([r])
  })

  it('takes a merge without keys and scd2 without keys, with its options', () => {
    expect(() => defineResource({ name: 'x', read: pages, writeDisposition: 'merge' })).not.toThrow()
    const scd2 = {
      disposition: 'merge',
      strategy: 'scd2',
      validityColumnNames: ['from', 'to'],
      active_record_timestamp: '9999-12-31T00:00:00Z',
      rowVersionColumnName: 'hash',
    } as const
    expect(() => defineResource({ name: 'x', read: pages, writeDisposition: scd2 })).not.toThrow()
  })

  it.each([
    [{ name: '', read: pages }, /resource name must be a non-empty string/],
    [{ name: 'x' }, /resource "x": read must be a function/],
    [{ name: 'x', read: pages, primaryKey: [] }, /primaryKey must be a column name/],
    [{ name: 'x', read: pages, writeDisposition: 'upsert' }, /writeDisposition "upsert" is unknown/],
    [
      { name: 'x', read: pages, writeDisposition: { disposition: 'merge', strategy: 'insert-only' } },
      /merge insert-only but the resource has no primaryKey/,
    ],
    [
      { name: 'x', read: pages, writeDisposition: { disposition: 'merge', strategy: 'newest' } },
      /strategy "newest" is not a merge strategy/,
    ],
    [
      {
        name: 'x',
        read: pages,
        writeDisposition: { disposition: 'merge', strategy: 'scd2', validityColumnNames: ['a', 'a'] },
      },
      /validityColumnNames must be two different column names/,
    ],
    [
      {
        name: 'x',
        read: pages,
        writeDisposition: { disposition: 'merge', strategy: 'scd2', active_record_timestamp: 'soon' },
      },
      /activeRecordTimestamp must be a timestamp/,
    ],
    [{ name: 'x', read: pages, group: ' ' }, /resource "x": group name must be a non-empty string/],
  ])('rejects %o', (def, message) => {
    expect(() => defineResource(def as never)).toThrow(message)
  })

  it('accepts merge keyed by column hints, and rejects duplicate resource names', () => {
    expect(() =>
      defineResource({
        name: 'x',
        read: pages,
        writeDisposition: 'merge',
        columns: { id: { primaryKey: true } },
      }),
    ).not.toThrow()
    const r = defineResource({ name: 'x', read: pages })
    expect(() => defineSource({ name: 's', resources: [r, r] })).toThrow(/resource name "x" is used twice/)
    expect(() => defineSource({ name: '', resources: [] })).toThrow(/source name/)
  })
})
