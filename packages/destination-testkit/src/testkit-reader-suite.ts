import type {
  DataType,
  ReaderChunk,
  ReaderColumn,
  ReaderQueryOptions,
  SqlReader,
} from '@sluice/core/destination'
import { expect } from 'vitest'
import { type Harness, makeTable, row } from './testkit-harness.ts'
import { type RegisterSuite, type SuiteNeed, suiteRegistrar } from './testkit-register.ts'
import { TYPE_COLUMNS, TYPE_ROWS } from './testkit-type-cases.ts'
import type { DestinationUnderTest, StoredAs, TestDestinationOptions } from './testkit-types.ts'
import { canonical, canonicalInput } from './testkit-values.ts'

const items = makeTable('items', [
  { name: 'id', dataType: 'bigint', primaryKey: true },
  { name: 'name', dataType: 'text' },
])
const itemRows = [row({ id: 1, name: 'a' }), row({ id: 2, name: 'b' }), row({ id: 3, name: 'c' })]

const numbers = makeTable('numbers', [
  { name: 'id', dataType: 'bigint' },
  { name: 'label', dataType: 'text' },
])
const numberRows = (n: number) => Array.from({ length: n }, (_, i) => row({ id: i + 1, label: `n${i + 1}` }))

/** Statements that would change the dataset, in SQL every engine parses (BigQuery wants a WHERE on DML). */
export const WRITE_ATTEMPTS: readonly string[] = [
  'drop table items',
  "insert into items (id, name) values (99, 'x')",
  "update items set name = 'x' where true",
  'delete from items where true',
  'create table evil as select 1 as x',
  'alter table items rename to items_renamed',
  'select 1; drop table items',
]

/** What a value of each sluice type must be in a reader's rows (see `ReaderChunk`). */
const JS_TYPE: Record<DataType, (v: unknown) => boolean> = {
  text: (v) => typeof v === 'string',
  bigint: (v) => typeof v === 'bigint',
  double: (v) => typeof v === 'number',
  bool: (v) => typeof v === 'boolean',
  timestamp: (v) => v instanceof Date,
  date: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v),
  time: (v) => typeof v === 'string' && /^\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/.test(v),
  decimal: (v) => typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v),
  json: (v) => v !== undefined && !(v instanceof Uint8Array),
  binary: (v) => v instanceof Uint8Array,
}

/** A value stored as text (see `TestDestinationOptions.storedAs`) as the JS value of the type it was loaded as. */
const FROM_TEXT: Record<keyof StoredAs, (text: string) => unknown> = {
  time: (text) => text,
  json: (text) => JSON.parse(text),
}

/** The types declared stored as text, e.g. `time, json`; empty when none. */
function describeStoredAs(storedAs: StoredAs): string {
  return Object.entries(storedAs)
    .filter(([, stored]) => stored !== undefined)
    .map(([type]) => type)
    .join(', ')
}

/** Every chunk of a query, and its columns and rows. */
async function collect(
  reader: SqlReader,
  sql: string,
  params: readonly unknown[] = [],
  options: ReaderQueryOptions = {},
): Promise<{ chunks: ReaderChunk[]; columns: readonly ReaderColumn[]; rows: unknown[][] }> {
  const chunks: ReaderChunk[] = []
  for await (const chunk of reader.query(sql, params, options)) chunks.push(chunk)
  expect(chunks.length, `${sql}: a query yields at least one chunk`).toBeGreaterThan(0)
  return {
    chunks,
    columns: chunks[0]!.columns,
    rows: chunks.flatMap((c) => c.rows.map((r) => [...r])),
  }
}

/** The error a promise rejects with (the test fails when it resolves). */
async function failure(promise: Promise<unknown>, what: string): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error(`${what}: expected an error, the query succeeded`)
}

/** Column names compare case-insensitively: engines fold them (Snowflake upper-cases). */
const names = (columns: readonly ReaderColumn[]) => columns.map((c) => c.name.toLowerCase())

/** Opens the destination's reader on the harness's dataset; `fn` runs with it, and it is closed twice after. */
async function withReader(h: Harness, fn: (reader: SqlReader) => Promise<void>): Promise<void> {
  const reader = await h.destination.openReader!({ datasetName: h.datasetName, pipelineName: h.pipelineName })
  try {
    await fn(reader)
  } finally {
    await reader.close()
    await reader.close() // idempotent
  }
}

/**
 * The query suite of `Destination.openReader`: parameters, unqualified names, every type as its documented JS
 * value, streaming in chunks, clear errors, and every write refused with `READ_ONLY` while the data stays.
 * `options.storedAs` names the types the destination keeps as text (named in the type test's title).
 */
export function readerSuite(register: RegisterSuite, options: TestDestinationOptions = {}): void {
  const needReader: SuiteNeed = (d) => (d.openReader ? undefined : 'a reader (openReader)')
  const storedAs = options.storedAs ?? {}
  const declared = describeStoredAs(storedAs)
  register('reader', needReader, (t) => {
    t('unqualified names resolve to the dataset; parameters bind', async (h) => {
      await h.loadPackage([{ table: items, rows: itemRows }])
      await withReader(h, async (reader) => {
        const { dialect } = reader
        expect(typeof dialect.name).toBe('string')
        const count = await collect(reader, 'select count(*) as n from items')
        expect(names(count.columns)).toEqual(['n'])
        expect(count.columns[0]!.dataType).toBe('bigint')
        expect(count.rows).toEqual([[3n]])
        const qualified = await collect(reader, `select count(*) as n from ${dialect.table('items')}`)
        expect(qualified.rows).toEqual([[3n]])
        const q = dialect.quoteIdentifier
        const byId = await collect(
          reader,
          `select ${q('name')} from items where ${q('id')} = ${dialect.param(1)}`,
          [2n],
        )
        expect(byId.rows).toEqual([['b']])
        const two = await collect(
          reader,
          `select id, name from items where id > ${dialect.param(1)} and name <> ${dialect.param(2)} order by id`,
          [1, 'c'],
        )
        expect(names(two.columns)).toEqual(['id', 'name'])
        expect(two.columns.map((c) => c.dataType)).toEqual(['bigint', 'text'])
        expect(two.rows).toEqual([[2n, 'b']])
      })
    })

    const storedNote = declared ? ` (declared stored as text: ${declared})` : ''
    t(`every data type comes back as its documented JS value${storedNote}`, async (h) => {
      const table = makeTable('all_types', [...TYPE_COLUMNS])
      await h.loadPackage([{ table, rows: TYPE_ROWS.map((v) => row(v)) }])
      await withReader(h, async (reader) => {
        const { columns, rows } = await collect(reader, 'select * from all_types order by k')
        expect(rows.length).toBe(TYPE_ROWS.length)
        for (const c of table.columns) {
          const i = names(columns).indexOf(c.name)
          expect(i, `column ${c.name}`).toBeGreaterThanOrEqual(0)
          const column = columns[i]!
          const stored = storedAs[c.dataType as keyof StoredAs]
          expect(
            column.dataType,
            `type of ${c.name} (${column.nativeType})${stored ? `, declared stored as ${stored}` : ''}`,
          ).toBe(stored ?? c.dataType)
          expect(column.nativeType.length, `native type of ${c.name}`).toBeGreaterThan(0)
          rows.forEach((r, n) => {
            const read = r[i]
            const input = TYPE_ROWS[n]![c.name]
            if (c.name.startsWith('_sluice_')) return
            if (input === undefined || input === null) {
              expect(read, `${c.name} of row ${n + 1}`).toBeNull()
              return
            }
            let value = read
            if (stored) {
              expect(JS_TYPE[stored](read), `${c.name} of row ${n + 1} as ${stored}: ${String(read)}`).toBe(
                true,
              )
              try {
                value = FROM_TEXT[c.dataType as keyof StoredAs](read as string)
              } catch (error) {
                throw new Error(`${c.name} of row ${n + 1}: ${String(read)} is not ${c.dataType} text`, {
                  cause: error,
                })
              }
            }
            expect(JS_TYPE[c.dataType](value), `${c.name} of row ${n + 1}: ${String(value)}`).toBe(true)
            if (c.dataType === 'json') expect(value, `${c.name} of row ${n + 1}`).toEqual(input)
            else
              expect(canonical(c.dataType, value), `${c.name} of row ${n + 1}`).toEqual(
                canonicalInput(c.dataType, input),
              )
          })
        }
      })
    })

    t('streams a few thousand rows in chunks; a loop that stops early frees its query', async (h) => {
      await h.loadPackage([{ table: numbers, rows: numberRows(3000) }])
      await withReader(h, async (reader) => {
        const { chunks, rows } = await collect(reader, 'select id, label from numbers order by id', [], {
          chunkSize: 500,
        })
        expect(chunks.length).toBeGreaterThanOrEqual(6)
        for (const chunk of chunks) {
          expect(chunk.rows.length).toBeLessThanOrEqual(500)
          expect(names(chunk.columns)).toEqual(['id', 'label'])
        }
        expect(rows.length).toBe(3000)
        expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 3000 }, (_, i) => BigInt(i + 1)))
        expect(rows[2999]).toEqual([3000n, 'n3000'])
        for (let i = 0; i < 3; i++) {
          for await (const chunk of reader.query('select id from numbers order by id', [], {
            chunkSize: 100,
          })) {
            expect(chunk.rows.length).toBe(100)
            break
          }
        }
        expect((await collect(reader, 'select count(*) as n from numbers')).rows).toEqual([[3000n]])
      })
    })

    t('an empty result has its columns; an unknown table fails with QUERY_FAILED', async (h) => {
      await h.loadPackage([{ table: items, rows: itemRows }])
      await withReader(h, async (reader) => {
        const empty = await collect(reader, 'select id, name from items where id < 0')
        expect(empty.chunks.length).toBe(1)
        expect(empty.rows).toEqual([])
        expect(names(empty.columns)).toEqual(['id', 'name'])
        expect(empty.columns.map((c) => c.dataType)).toEqual(['bigint', 'text'])
        const error = await failure(collect(reader, 'select * from no_such_table'), 'an unknown table')
        expect(error).toMatchObject({ name: 'SluiceError', code: 'QUERY_FAILED' })
        expect(error.message.toLowerCase()).toContain('no_such_table')
        expect((await collect(reader, 'select count(*) as n from items')).rows).toEqual([[3n]])
      })
    })

    t('every write fails with READ_ONLY and changes nothing', async (h) => {
      await h.loadPackage([{ table: items, rows: itemRows }])
      const before = await h.rows('items')
      await withReader(h, async (reader) => {
        for (const sql of WRITE_ATTEMPTS) {
          const error = await failure(collect(reader, sql), sql)
          expect(error, `${sql}: ${error.message}`).toMatchObject({ name: 'SluiceError', code: 'READ_ONLY' })
        }
        const after = await collect(reader, 'select id, name from items order by id')
        expect(after.rows).toEqual([
          [1n, 'a'],
          [2n, 'b'],
          [3n, 'c'],
        ])
      })
      const canon = (rows: Record<string, unknown>[]) =>
        rows
          .map((r) => ({ id: canonical('bigint', r['id']), name: canonical('text', r['name']) }))
          .sort((a, b) => String(a.id).localeCompare(String(b.id)))
      expect(canon(await h.rows('items'))).toEqual(canon(before))
      expect(await h.rows('evil').catch(() => [])).toEqual([])
      expect(await h.rows('items_renamed').catch(() => [])).toEqual([])
    })

    t('an aborted signal stops a query with RUN_ABORTED, before or between chunks', async (h) => {
      await h.loadPackage([{ table: numbers, rows: numberRows(300) }])
      await withReader(h, async (reader) => {
        const before = new AbortController()
        before.abort()
        const early = await failure(
          collect(reader, 'select id from numbers', [], { signal: before.signal }),
          'an aborted signal',
        )
        expect(early).toMatchObject({ name: 'SluiceError', code: 'RUN_ABORTED' })
        const during = new AbortController()
        const iterator = reader
          .query('select id from numbers order by id', [], { chunkSize: 100, signal: during.signal })
          [Symbol.asyncIterator]()
        const first = await iterator.next()
        expect(first.done).toBe(false)
        expect(first.value?.rows.length).toBe(100)
        during.abort()
        const late = await failure(iterator.next(), 'a signal aborted between chunks')
        expect(late).toMatchObject({ name: 'SluiceError', code: 'RUN_ABORTED' })
        expect((await collect(reader, 'select count(*) as n from numbers')).rows).toEqual([[300n]])
      })
    })
  })
}

/**
 * Registers only the `reader` suite for a destination (`testDestination` includes it): for a second
 * configuration of a destination whose other suites already run, e.g. DuckDB on a file next to DuckDB on an
 * instance. Call it at the top level of a test file.
 */
export function testReader(d: DestinationUnderTest, options: TestDestinationOptions = {}): void {
  readerSuite(suiteRegistrar(d, options), options)
}
