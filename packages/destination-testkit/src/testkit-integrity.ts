// Conformance suites for what no destination may get wrong: which row of a key a merge keeps, and that no value
// stops a load. The pipeline-level tests run core's normalization with the destination's capabilities.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isSluiceError, type LoadInfo, type Resource, type Source } from '@sluice/core'
import type { Column, NormalizedRow, Table } from '@sluice/core/destination'
import { pipeline } from '@sluice/core/node'
import { expect } from 'vitest'
import { type Harness, makeTable } from './testkit-harness.ts'
import { canonical } from './testkit-values.ts'

/** The testkit's way to register a suite (see `testDestination`). */
export type SuiteFn = (
  name: string,
  need: ((caps: Harness['destination']['capabilities']) => string | undefined) | undefined,
  body: (t: (title: string, fn: (h: Harness) => Promise<void>) => void) => void,
) => void

type Need = (caps: Harness['destination']['capabilities']) => string | undefined

/** Reads a table's named columns, canonicalized by type, sorted by the first (numerically). */
async function readColumns(h: Harness, table: Table, names: string[]): Promise<Record<string, unknown>[]> {
  const cols = names.map(
    (n) => table.columns.find((c) => c.name === n) ?? ({ name: n, dataType: 'text' } as Column),
  )
  const rows = await h.rows(table.name)
  return rows
    .map((r) => Object.fromEntries(cols.map((c) => [c.name, canonical(c.dataType, r[c.name])])))
    .sort((a, b) => Number(a[names[0]!]) - Number(b[names[0]!]))
}

/** An ordered `_sluice_id` (see core's `createOrderedIds`): the position, then a (here: chosen) random part. */
function orderedId(order: number, random: string): string {
  return String(order).padStart(12, '0') + random.padEnd(16, random.at(-1))
}

/** Runs a pipeline of `source` into the harness's dataset; resolves to its load info, or rejects. */
async function runPipeline(
  h: Harness,
  source: Source,
  options: { fileMaxBytes?: number } = {},
): Promise<{ info: LoadInfo; schema: Record<string, Table> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-testkit-run-'))
  try {
    const p = pipeline({
      pipelineName: h.pipelineName,
      destination: h.destination,
      datasetName: h.datasetName,
      pipelinesDir: dir,
      ...options,
    })
    const info = await p.run(source)
    return { info, schema: (await p.schema())?.tables ?? {} }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Registers the suites `merge duplicates` and `values`. */
export function integritySuites(suite: SuiteFn, needMerge: (s: 'delete-insert' | 'upsert') => Need): void {
  const idCol: Column = { name: 'id', dataType: 'bigint', primaryKey: true }
  const nameCol: Column = { name: 'name', dataType: 'text' }

  suite('merge duplicates', needMerge('delete-insert'), (t) => {
    for (const mergeStrategy of ['delete-insert', 'upsert'] as const) {
      t(
        `${mergeStrategy}: of rows with the same key in one package, the last in extraction order wins`,
        async (h) => {
          if (needMerge(mergeStrategy)(h.destination.capabilities)) return
          const table = makeTable(
            'people',
            [idCol, nameCol, { name: 'rank', dataType: 'bigint', dedupSort: 'desc' }],
            {
              disposition: 'merge',
              mergeStrategy,
            },
          )
          await h.loadPackage([{ table, rows: [row({ id: 1, name: 'old', rank: 1 }, orderedId(0, 'a'))] }])
          // ids sort by position first whatever their random part; the file order does not count
          await h.loadPackage([
            {
              table,
              rows: [
                row({ id: 1, name: 'third', rank: 5 }, orderedId(2, 'a')),
                row({ id: 1, name: 'first', rank: 5 }, orderedId(0, 'z')),
                row({ id: 1, name: 'second', rank: 5 }, orderedId(1, 'y')),
                row({ id: 2, name: 'high rank', rank: 9 }, orderedId(3, 'a')),
                row({ id: 2, name: 'later, lower rank', rank: 2 }, orderedId(4, 'a')),
              ],
            },
          ])
          expect(await readColumns(h, table, ['id', 'name', 'rank'])).toEqual([
            { id: '1', name: 'third', rank: '5' },
            { id: '2', name: 'high rank', rank: '9' },
          ])
        },
      )
    }

    t('through a pipeline: the last row of a key wins across pages, job files and page order', async (h) => {
      const pages = [
        [
          { id: 1, name: 'a' },
          { id: 2, name: 'b' },
          { id: 1, name: 'c' },
        ],
        [
          { id: 1, name: 'd' },
          { id: 3, name: 'e' },
        ],
        [{ id: 2, name: 'f' }],
      ]
      const people = (pagesToYield: object[][]): Source => ({
        name: 'merge_dups',
        resources: [
          {
            name: 'people',
            primaryKey: 'id',
            writeDisposition: 'merge',
            async *read() {
              for (const page of pagesToYield) yield page
            },
          } satisfies Resource<object>,
        ],
      })
      // a job file per row: the winner must not depend on which file loads last
      const first = await runPipeline(h, people(pages), { fileMaxBytes: 1 })
      const table = first.schema['people']!
      expect(await readColumns(h, table, ['id', 'name'])).toEqual([
        { id: '1', name: 'd' },
        { id: '2', name: 'f' },
        { id: '3', name: 'e' },
      ])
      await runPipeline(
        h,
        people([
          [
            { id: 3, name: 'g' },
            { id: 3, name: 'h' },
          ],
        ]),
      )
      expect((await readColumns(h, table, ['id', 'name'])).map((r) => r['name'])).toEqual(['d', 'f', 'h'])
      // a row without its key would collapse with every other such row: the run fails, the table stays
      const error = await runPipeline(h, people([[{ id: 4, name: 'i' }, { name: 'no key' }]])).catch(
        (e: unknown) => e,
      )
      expect(isSluiceError(error, 'PRIMARY_KEY_MISSING')).toBe(true)
      expect((await readColumns(h, table, ['id', 'name'])).map((r) => r['name'])).toEqual(['d', 'f', 'h'])
    })
  })

  suite('values', undefined, (t) => {
    t(
      'values beyond what columns hold load cleaned or in variant columns, counted; other tables load',
      async (h) => {
        const caps = h.destination.capabilities
        const nulKept = caps.values?.textNul !== false
        // read as JSON.parse reads API pages: 1e20 and 2^63 are beyond int64, …993 becomes …992, 1e400 Infinity
        const odd: Record<string, unknown>[] = JSON.parse(`[
          {"id": 1, "text": "plain", "n": 1, "x": 1.5, "at": "2026-03-02T08:00:00Z"},
          {"id": 2, "text": "nul\\u0000inside", "n": 100000000000000000000, "x": 1e400, "at": "0000-01-01T00:00:00Z"},
          {"id": 3, "text": "ok", "n": 9007199254740993, "at": "1969-12-31T23:59:59Z"},
          {"id": 4, "text": "ok", "n": 9223372036854775808, "x": -0, "at": "9999-12-31T23:59:59Z"}
        ]`)
        odd[2]!['x'] = Number.NaN
        const source: Source = {
          name: 'values',
          resources: [
            {
              name: 'odd',
              async *read() {
                yield odd
              },
            },
            {
              name: 'healthy',
              async *read() {
                yield [
                  { id: 1, name: 'a' },
                  { id: 2, name: 'b' },
                ]
              },
            },
          ],
        }
        const { info, schema } = await runPipeline(h, source)
        const table = schema['odd']!
        expect(table.columns.filter((c) => c.variantOf).map((c) => c.name)).toEqual([
          'n__v_double',
          'at__v_text',
        ])
        expect(
          await readColumns(h, table, ['id', 'text', 'n', 'n__v_double', 'x', 'at', 'at__v_text']),
        ).toEqual([
          {
            id: '1',
            text: 'plain',
            n: '1',
            n__v_double: null,
            x: 1.5,
            at: '2026-03-02T08:00:00.000Z',
            at__v_text: null,
          },
          {
            id: '2',
            text: nulKept ? 'nul\u0000inside' : 'nulinside',
            n: null,
            n__v_double: 1e20,
            x: null,
            at: null,
            at__v_text: '0000-01-01T00:00:00Z',
          },
          {
            id: '3',
            text: 'ok',
            n: '9007199254740992',
            n__v_double: null,
            x: null,
            at: '1969-12-31T23:59:59.000Z',
            at__v_text: null,
          },
          {
            id: '4',
            text: 'ok',
            n: null,
            n__v_double: 2 ** 63,
            x: 0,
            at: '9999-12-31T23:59:59.000Z',
            at__v_text: null,
          },
        ])
        expect(await readColumns(h, schema['healthy']!, ['id', 'name'])).toEqual([
          { id: '1', name: 'a' },
          { id: '2', name: 'b' },
        ])
        const expected = [
          'odd.n: 3 integers beyond ±2^53 may have lost their last digits (a JSON number holds 53 bits); have the source send them as strings to keep every digit',
          "odd.n: 2 values out of the column's range went to n__v_double",
          'odd.x: 2 numbers were not finite (NaN, ±Infinity, or beyond a double such as 1e400) and left out',
          "odd.at: 1 value out of the column's range went to at__v_text",
        ]
        if (!nulKept)
          expected.push('odd: 1 text value lost U+0000 characters, which the destination cannot store')
        expect([...info.warnings].sort()).toEqual(expected.sort())
      },
    )

    t('keys that normalize to the same name load into columns of their own', async (h) => {
      const source: Source = {
        name: 'names',
        resources: [
          {
            name: 'alike',
            async *read() {
              yield [{ id: 1, userId: 'a', user_id: 'b', 'User ID': 'c', 名前: 'd', 価格: 'e' }]
            },
          },
        ],
      }
      const { info, schema } = await runPipeline(h, source)
      const table = schema['alike']!
      const data = table.columns.filter((c) => !c.name.startsWith('_sluice_')).map((c) => c.name)
      expect(data).toHaveLength(6)
      const [row] = await readColumns(h, table, data)
      expect(Object.values(row!).sort()).toEqual(['1', 'a', 'b', 'c', 'd', 'e'])
      expect(info.warnings.filter((w) => w.includes('is named like another key'))).toHaveLength(3)
    })
  })
}

/** A root row with system columns. */
function row(values: NormalizedRow, id: string): NormalizedRow {
  return { ...values, _sluice_load_id: 'x', _sluice_id: id }
}
