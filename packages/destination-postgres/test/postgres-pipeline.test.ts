import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type PipelineEvent, pipeline, type Source } from '@sluice/core'
import { nodeFileSystem } from '@sluice/core/node'
import { createNormalizer } from '@sluice/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { postgres } from '../src/index.ts'
import { admin, loggedStatements, serverUrl, uniqueName, urlWith } from './postgres-helpers.ts'

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

type Entry = Record<string, unknown>

const LONG = 'a_column_name_that_is_much_longer_than_the_sixty_three_bytes_postgres_allows'

function source(entries: Entry[], seen: number[]): Source {
  return {
    name: 'demo',
    resources: [
      {
        name: 'entries',
        primaryKey: 'id',
        writeDisposition: { disposition: 'merge', strategy: 'delete-insert' },
        columns: { meta: { dataType: 'json' } },
        async *read(ctx) {
          seen.push(Number(ctx.state.runs ?? 0))
          ctx.state.runs = Number(ctx.state.runs ?? 0) + 1
          yield entries
        },
      },
      {
        name: 'snapshot',
        writeDisposition: 'replace',
        async *read() {
          yield entries.map((e) => ({ id: e.id }))
        },
      },
    ],
  }
}

async function run(
  dataset: string,
  entries: Entry[],
  seen: number[],
  app: string,
  events: PipelineEvent[] = [],
) {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-pg-e2e-'))
  dirs.push(dir)
  const p = pipeline(
    {
      pipelineName: 'e2e',
      destination: postgres({ credentials: urlWith({ query: `application_name=${app}` }) }),
      datasetName: dataset,
      pipelinesDir: dir,
      fs: nodeFileSystem(),
      onEvent: (e) => events.push(e),
    },
    { createNormalizer },
  )
  return p.run(source(entries, seen))
}

describe('postgres with the pipeline runner', () => {
  it('loads nested rows, child tables, json, long names through COPY, and restores state', async () => {
    serverUrl()
    const dataset = uniqueName('e2e')
    const app = uniqueName('e2e_app')
    const seen: number[] = []
    await run(
      dataset,
      [
        {
          id: 1,
          text: 'quote " comma , newline \n end',
          at: '2024-05-01T12:00:00Z',
          amount: 1.5,
          billable: true,
          customer: { id: 7, name: 'ACME' },
          tags: ['x', 'y'],
          meta: { any: ['thing'] },
          [LONG]: 'long',
        },
        {
          id: 2,
          text: '',
          at: '2024-05-02T12:00:00Z',
          amount: 2,
          billable: false,
          customer: null,
          tags: ['z'],
          meta: 42,
        },
      ],
      seen,
      app,
    )
    await run(dataset, [{ id: 1, text: 'changed', tags: ['w'], meta: { v: 2 } }], seen, app)
    expect(seen).toEqual([0, 1])
    expect(
      await admin(`SELECT id::int, text, billable, customer__name, meta FROM ${dataset}.entries ORDER BY id`),
    ).toEqual([
      { id: 1, text: 'changed', billable: null, customer__name: null, meta: { v: 2 } },
      { id: 2, text: '', billable: false, customer__name: null, meta: 42 },
    ])
    expect(await admin(`SELECT value FROM ${dataset}.entries__tags ORDER BY value`)).toEqual([
      { value: 'w' },
      { value: 'z' },
    ])
    expect(await admin(`SELECT id::int FROM ${dataset}.snapshot`)).toEqual([{ id: 1 }])
    expect(await admin(`SELECT count(*)::int AS n FROM ${dataset}._sluice_loads`)).toEqual([{ n: 2 }])
    const columns = await admin<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'entries'`,
      [dataset],
    )
    const types = Object.fromEntries(columns.map((c) => [c.column_name, c.data_type]))
    expect(types).toMatchObject({
      at: 'timestamp with time zone',
      amount: 'double precision',
      billable: 'boolean',
      meta: 'jsonb',
      id: 'bigint',
    })
    const long = columns.find((c) => c.column_name.startsWith('a_column_name'))
    expect(long && Buffer.byteLength(long.column_name)).toBeLessThanOrEqual(63)
    const statements = await loggedStatements(app)
    if (statements) {
      // core writes csv job files for postgres (csv comes first in its capabilities), streamed to COPY as they are
      expect(statements.some((s) => /^COPY .* FROM STDIN \(FORMAT csv, HEADER true\)$/.test(s))).toBe(true)
      expect(statements.some((s) => /FORMAT text/.test(s))).toBe(false)
      expect(
        statements.filter(
          (s) => /\bVALUES\b/i.test(s) && !/"_sluice_(loads|version|pipeline_state)"/.test(s),
        ),
      ).toEqual([])
    }
  })

  it('json columns holding plain strings, numbers and objects load as jsonb', async () => {
    const dataset = uniqueName('e2e_json')
    await run(
      dataset,
      [
        { id: 1, meta: 'just text' },
        { id: 2, meta: '123' },
        { id: 3, meta: { a: 1 } },
      ],
      [],
      uniqueName('j'),
    )
    expect(await admin(`SELECT id::int, meta FROM ${dataset}.entries ORDER BY id`)).toEqual([
      { id: 1, meta: 'just text' },
      { id: 2, meta: '123' },
      { id: 3, meta: { a: 1 } },
    ])
  })

  it('two runners load into the same dataset at once and end consistent', async () => {
    const dataset = uniqueName('e2e_two')
    const events: PipelineEvent[] = []
    const make = (from: number) =>
      Array.from({ length: 200 }, (_, i) => ({ id: from + i, text: `row ${from + i}`, tags: ['t'] }))
    const [a, b] = await Promise.all([
      run(dataset, make(0), [], uniqueName('two'), events),
      run(dataset, make(100), [], uniqueName('two'), events),
    ])
    expect(a).toBeDefined()
    expect(b).toBeDefined()
    expect(
      await admin(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS keys FROM ${dataset}.entries`),
    ).toEqual([{ n: 300, keys: 300 }])
    expect(await admin(`SELECT count(*)::int AS n FROM ${dataset}.entries__tags`)).toEqual([{ n: 300 }])
    expect(await admin(`SELECT count(*)::int AS n FROM ${dataset}._sluice_loads`)).toEqual([{ n: 2 }])
  })
})
