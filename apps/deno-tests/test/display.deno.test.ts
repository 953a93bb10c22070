// Notebooks under Deno (`deno jupyter`): a relation, its rows and rowCounts() answer Deno's
// Symbol.for('Jupyter.display') with an HTML table and a plain-text fallback; arrow() hands over an Arrow table.
// The dataset reads through a small reader written here (the display does not depend on the destination).
import assert from 'node:assert/strict'
import { dataset, type Schema } from '@sluice/core'
import type { ReaderChunk, SqlReader } from '@sluice/core/destination'

type Bundle = { 'text/html': string; 'text/plain': string }
const display = (value: unknown): Promise<Bundle> =>
  Promise.resolve((value as Record<symbol, () => Bundle | Promise<Bundle>>)[Symbol.for('Jupyter.display')]!())

const schema: Schema = {
  name: 'clockodo',
  version: 1,
  versionHash: 'h',
  previousHashes: [],
  tables: {
    entries: {
      name: 'entries',
      writeDisposition: 'append',
      columns: [
        { name: 'users_name', dataType: 'text' },
        { name: 'hours', dataType: 'bigint' },
        { name: '_sluice_load_id', dataType: 'text' },
        { name: '_sluice_id', dataType: 'text' },
      ],
    },
  },
}

const reader: SqlReader = {
  dialect: {
    name: 'test',
    quoteIdentifier: (n) => `"${n}"`,
    table: (n) => `"clockodo_data"."${n}"`,
    param: (i) => `$${i}`,
  },
  async *query(sql): AsyncGenerator<ReaderChunk> {
    if (sql.includes('COUNT(*)')) {
      yield {
        columns: [
          { name: 'i', dataType: 'bigint', nativeType: 'BIGINT' },
          { name: 'n', dataType: 'bigint', nativeType: 'BIGINT' },
        ],
        rows: [[0n, 2n]],
      }
      return
    }
    yield {
      columns: [
        { name: 'users_name', dataType: 'text', nativeType: 'VARCHAR' },
        { name: 'hours', dataType: 'bigint', nativeType: 'BIGINT' },
      ],
      rows: [
        ['Ada <admin>', 4053n],
        ['Bob', 12n],
      ],
    }
  },
  async close() {},
}

const data = dataset({
  destination: {
    name: 'test',
    capabilities: {
      fileFormats: ['jsonl'],
      writeDispositions: ['append'],
      mergeStrategies: [],
      replaceStrategies: [],
      transactions: false,
      ddlInTransactions: false,
      maxIdentifierLength: 63,
      identifierCase: 'lower',
    },
    createClient: () => Promise.reject(new Error('not used')),
    openReader: async () => reader,
  },
  datasetName: 'clockodo_data',
  schemas: [schema],
})

Deno.test('a relation displays its rows as an HTML table with a plain-text fallback', async () => {
  const bundle = await display(data.table('entries').select('users_name', 'hours'))
  assert.match(bundle['text/html'], /^<table><thead><tr><th>users_name<\/th><th>hours<\/th><\/tr><\/thead>/)
  assert.ok(bundle['text/html'].includes('<td>Ada &lt;admin&gt;</td><td style="text-align:right">4053</td>'))
  assert.equal(bundle['text/plain'].split('\n')[2], 'Ada <admin>  4053')
})

Deno.test('rows() and rowCounts() display as tables and stay plain arrays', async () => {
  const rows = await data.query('select users_name, hours from entries').rows()
  assert.deepEqual(rows, [
    { users_name: 'Ada <admin>', hours: 4053 },
    { users_name: 'Bob', hours: 12 },
  ])
  assert.deepEqual(Object.keys(rows), ['0', '1'])
  assert.ok((await display(rows))['text/plain'].endsWith('2 rows'))
  const counts = await data.rowCounts()
  assert.deepEqual(counts, [{ table: 'entries', rows: 2 }])
  assert.ok((await display(counts))['text/html'].includes('<td>entries</td>'))
})

Deno.test('arrow() under Deno: an Apache Arrow table for the notebook', async () => {
  const table = await data.query('select users_name, hours from entries').arrow()
  assert.equal(table.numRows, 2)
  assert.deepEqual(
    table.schema.fields.map((f) => String(f.type)),
    ['Utf8', 'Int64'],
  )
  assert.equal(table.getChild('hours')?.get(0), 4053n)
})
