import type { RelationColumn, Schema } from '@sluice/core'
import { describe, expect, test } from 'vitest'
import { fitWidths, type RowFormat, rowWriter } from './cli-output.ts'
import { countFlag, formatTables, rowFormat } from './cli-query.ts'

const columns: RelationColumn[] = [
  { name: 'users_name', dataType: 'text' },
  { name: 'hours', dataType: 'double' },
  { name: 'at', dataType: 'timestamp' },
]
const rows = [
  ['Ada "A", Lovelace', 4053, new Date('2024-01-02T03:04:05.000Z')],
  ['Bob\nNewline', null, null],
]

function render(format: RowFormat, width?: number, big = false): string {
  let out = ''
  const writer = rowWriter(
    format,
    (t) => {
      out += t
    },
    width,
  )
  writer.begin(big ? [...columns, { name: 'n', dataType: 'bigint' }] : columns)
  writer.rows(big ? rows.map((r) => [...r, 9007199254740993n]) : rows)
  writer.end()
  return out
}

describe('query output', () => {
  test('a table: numbers right-aligned, NULL for null, one line per row', () => {
    expect(render('table')).toBe(
      [
        'users_name         hours  at',
        '-----------------  -----  ------------------------',
        'Ada "A", Lovelace   4053  2024-01-02T03:04:05.000Z',
        'Bob Newline         NULL  NULL',
        '',
      ].join('\n'),
    )
  })

  test('a table fitted to the terminal: the widest columns give way first, cut cells end in …', () => {
    const lines = render('table', 30).trimEnd().split('\n')
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(30)
    expect(lines[2]).toBe('Ada "A", …   4053  2024-01-02…')
    expect(fitWidths([10, 40, 5], 40)).toEqual([10, 21, 5])
    expect(fitWidths([10, 40], undefined)).toEqual([10, 40])
    // never below 4 characters a column, however narrow the terminal
    expect(fitWidths([10, 10], 5)).toEqual([4, 4])
  })

  test('json, jsonl and csv keep values exact and escape what needs it', () => {
    expect(JSON.parse(render('json', undefined, true))).toEqual([
      { users_name: 'Ada "A", Lovelace', hours: 4053, at: '2024-01-02T03:04:05.000Z', n: '9007199254740993' },
      { users_name: 'Bob\nNewline', hours: null, at: null, n: '9007199254740993' },
    ])
    expect(render('jsonl').trimEnd().split('\n')).toHaveLength(2)
    expect(render('csv')).toBe(
      'users_name,hours,at\n"Ada ""A"", Lovelace",4053,2024-01-02T03:04:05.000Z\n"Bob\nNewline",,\n',
    )
    let empty = ''
    const writer = rowWriter('json', (t) => {
      empty += t
    })
    writer.begin([])
    writer.end()
    expect(JSON.parse(empty)).toEqual([])
  })

  test('flags: formats and counts are checked', () => {
    expect(rowFormat(undefined)).toBe('table')
    expect(() => rowFormat('xml')).toThrow('--format "xml" is not one of table, json, jsonl, csv')
    expect(countFlag('--limit', undefined, 1000)).toBe(1000)
    expect(countFlag('--limit', '0', 1000)).toBe(0)
    expect(() => countFlag('-n', 'ten', 10)).toThrow('-n "ten" must be a whole number of 0 or more')
  })

  test('tables: child tables under their parent, counts aligned', () => {
    const schema = {
      tables: {
        projects: { name: 'projects' },
        projects__services: { name: 'projects__services', parent: 'projects' },
        projects__services__tags: { name: 'projects__services__tags', parent: 'projects__services' },
      },
    } as unknown as Schema
    expect(
      formatTables(
        [schema],
        [
          { table: 'projects', rows: 96 },
          { table: 'projects__services', rows: 179 },
          { table: 'projects__services__tags', rows: 3 },
        ],
      ),
    ).toBe(
      [
        'table                           rows',
        '------------------------------  ----',
        'projects                          96',
        '  └ projects__services           179',
        '    └ projects__services__tags     3',
        '',
      ].join('\n'),
    )
  })
})
