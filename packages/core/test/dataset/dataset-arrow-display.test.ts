import { describe, expect, it } from 'vitest'
import { dataset } from '../../src/dataset/dataset.ts'
import {
  DISPLAY_ROWS,
  type DisplayBundle,
  JUPYTER_DISPLAY,
  tableBundle,
} from '../../src/dataset/dataset-display.ts'
import { col, DIALECTS, fakeReader, readerDestination, SCHEMA } from './fake-reader.ts'

// arrow(): an Apache Arrow table built column by column from the chunks; notebooks: the display bundles of a
// relation, of rows and of the dataset (Deno's Jupyter kernel calls Symbol.for('Jupyter.display')).
function ds(columns: ReturnType<typeof col>[], rows: unknown[][]) {
  const reader = fakeReader(DIALECTS.duckdb('clockodo_data'), () => ({ columns, rows }))
  return {
    reader,
    data: dataset({
      destination: readerDestination(reader),
      datasetName: 'clockodo_data',
      schemas: [SCHEMA],
    }),
  }
}

const display = (value: unknown): Promise<DisplayBundle> =>
  Promise.resolve(
    (value as Record<symbol, () => DisplayBundle | Promise<DisplayBundle>>)[Symbol.for('Jupyter.display')]!(),
  )

describe('arrow()', () => {
  it('types each column by its sluice type (or its first value) and keeps exact values', async () => {
    const t0 = new Date('2024-01-02T03:04:05.000Z')
    const { data } = ds(
      [
        col('id', 'bigint'),
        col('name'),
        col('at', 'timestamp'),
        col('day', 'date'),
        col('ok', 'bool'),
        col('share', 'double'),
        col('price', 'decimal'),
        col('meta', 'json'),
        { ...col('untyped'), dataType: undefined },
        { ...col('nothing'), dataType: undefined },
      ],
      [
        [9007199254740993n, 'Ada', t0, '2024-01-02', true, 0.5, '12.30', { a: 1 }, null, null],
        [2n, null, null, null, false, null, null, null, 7n, null],
      ],
    )
    const table = await data.query('select *').arrow()
    expect(table.numRows).toBe(2)
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'id:Int64',
      'name:Utf8',
      'at:Timestamp<MILLISECOND, UTC>',
      'day:Date32<DAY>',
      'ok:Bool',
      'share:Float64',
      'price:Utf8',
      'meta:Utf8',
      'untyped:Int64',
      'nothing:Utf8',
    ])
    const [first, second] = table.toArray().map((r) => r.toJSON())
    expect(first).toMatchObject({
      id: 9007199254740993n,
      name: 'Ada',
      at: t0.getTime(),
      ok: true,
      price: '12.30',
      meta: '{"a":1}',
    })
    expect(first?.['day']).toBe(Date.UTC(2024, 0, 2))
    expect(second).toMatchObject({ id: 2n, name: null, untyped: 7n, nothing: null })
  })

  it('a relation of a table names the columns after the schema', async () => {
    const { data } = ds([col('USERS_NAME'), col('ID', 'bigint')], [['Ada', 1n]])
    const table = await data.table('entries').select('users_name', 'id').arrow()
    expect(table.schema.fields.map((f) => f.name)).toEqual(['users_name', 'id'])
  })
})

describe('display in a notebook', () => {
  it('a relation shows its first rows as an HTML table with a plain-text fallback, escaped', async () => {
    const rows = Array.from({ length: DISPLAY_ROWS + 5 }, (_, i) => [`<b>${i}</b>`, BigInt(i)])
    const { data, reader } = ds([col('name'), col('n', 'bigint')], rows)
    const bundle = await display(data.query('select name, n from t'))
    expect(bundle['text/html']).toContain('<th>name</th><th>n</th>')
    expect(bundle['text/html']).toContain('<td>&lt;b&gt;0&lt;/b&gt;</td><td style="text-align:right">0</td>')
    expect(bundle['text/html']).not.toContain('<b>0</b>')
    expect(bundle['text/html']).toContain(`the first ${DISPLAY_ROWS} rows`)
    expect(bundle['text/plain'].split('\n')[0]).toBe('name       n')
    // a table relation asks only for the rows it shows (and one more)
    await display(data.table('users'))
    expect(reader.queries.at(-1)?.sql).toMatch(new RegExp(`LIMIT ${DISPLAY_ROWS + 1}$`))
  })

  it('rows(), fetchall() and the dataset (its row counts) display too; the method is not enumerable', async () => {
    const { data } = ds([col('name'), col('n', 'bigint')], [['Ada', 1n]])
    const rows = await data.query('select 1').rows()
    expect(Object.keys(rows)).toEqual(['0'])
    expect((await display(rows))['text/plain']).toBe('name  n\n----  -\nAda   1\n1 row')
    expect((await display(await data.query('select 1').fetchall()))['text/html']).toContain('<td>Ada</td>')
    const counts = ds([col('i', 'bigint'), col('n', 'bigint')], [[0n, 5n]])
    expect((await display(counts.data))['text/plain']).toContain('entries')
    expect(JUPYTER_DISPLAY).toBe(Symbol.for('Jupyter.display'))
  })

  it('cells are one line, long values cut, null shown as null', () => {
    const bundle = tableBundle(
      ['a', 'b'],
      [
        ['x'.repeat(100), null],
        ['two\nlines', new Date(0)],
      ],
    )
    const lines = bundle['text/plain'].split('\n')
    expect(lines[2]).toBe(`${'x'.repeat(59)}…  null`)
    expect(lines[3]).toMatch(/^two lines\s+1970-01-01T00:00:00.000Z$/)
    expect(bundle['text/html']).toContain('<i>null</i>')
  })
})
