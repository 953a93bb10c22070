import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { RunningClockodoMock } from '@sluice/clockodo-mock'
import { type Destination, defineResource, defineSource, type SchemaContract } from '@sluice/core'
import { pipeline } from '@sluice/core/node'
import { duckdb } from '@sluice/destination-duckdb'
import { postgres } from '@sluice/destination-postgres'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { postgresQuery, runCli, tempDir } from '../src/index.ts'
import { cliEnv, postgresUrl, startMock } from './helpers.ts'

async function duck(file: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(file)
  const conn = await instance.connect()
  try {
    return (await conn.runAndReadAll(sql)).getRows() as unknown[][]
  } finally {
    conn.closeSync()
    instance.closeSync()
  }
}

describe('schema drift in the account between two CLI runs (DuckDB)', () => {
  let mock: RunningClockodoMock
  let cwd: string
  let env: Record<string, string>
  const db = () => join(cwd, 'clockodo_pipeline.duckdb')
  beforeAll(async () => {
    mock = await startMock()
    cwd = await tempDir('sluice-faults-drift-')
    env = cliEnv(cwd, mock.baseUrl)
    const first = await runCli(['run', '--progress', 'none'], { cwd, env })
    expect(first.code, first.stderr).toBe(0)
  })
  afterAll(async () => {
    await mock?.close()
  })

  test('a new field becomes a new column; a changed type becomes a variant column', async () => {
    const before = await duck(
      db(),
      `select table_name, column_name from information_schema.columns where table_schema = 'clockodo_data' and column_name in ('loyalty_tier', 'billable__v_text')`,
    )
    expect(before).toEqual([])
    const customer = (
      await duck(db(), 'select min(id)::INTEGER from clockodo_data.customers')
    )[0]![0] as number
    mock.account.edit('customers', customer, { loyalty_tier: 'gold' })
    const recent = [
      ...mock.account.entriesBetween(
        new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10),
        new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10),
      ),
    ][0]!
    mock.account.editEntry(recent.id, { billable: 'on request' as unknown as number })

    const second = await runCli(['run', '--progress', 'none', '--json'], { cwd, env })
    expect(second.code, second.stderr).toBe(0)
    const changes = (
      JSON.parse(second.stdout) as {
        schemaChanges: { kind: string; table: string; column?: { name: string } }[]
      }
    ).schemaChanges
    expect(changes).toContainEqual(
      expect.objectContaining({
        kind: 'add-column',
        table: 'customers',
        column: expect.objectContaining({ name: 'loyalty_tier' }),
      }),
    )
    expect(changes).toContainEqual(
      expect.objectContaining({
        kind: 'add-column',
        table: 'entries',
        column: expect.objectContaining({ name: 'billable__v_text' }),
      }),
    )
    expect(
      await duck(db(), `select loyalty_tier from clockodo_data.customers where id = ${customer}`),
    ).toEqual([['gold']])
    expect(
      await duck(
        db(),
        `select billable, billable__v_text from clockodo_data.entries where id = ${recent.id}`,
      ),
    ).toEqual([[null, 'on request']])
    // the other rows keep their typed values
    const typed = await duck(
      db(),
      `select count(*)::INTEGER from clockodo_data.entries where billable is not null and billable__v_text is null`,
    )
    expect(typed[0]![0]).toBe(mock.account.expectedCounts().entries! - 1)
  })
})

/** A source whose one resource yields the given rows. */
function sourceOf(rows: Record<string, unknown>[], contract?: SchemaContract) {
  return defineSource({
    name: 'drift',
    ...(contract ? { contract } : {}),
    resources: [
      defineResource({
        name: 'items',
        primaryKey: 'id',
        writeDisposition: { disposition: 'merge', strategy: 'delete-insert' },
        async *read() {
          yield rows
        },
      }),
    ],
  })
}

describe.each([
  { name: 'duckdb', make: (dir: string): Destination => duckdb({ path: join(dir, 'drift.duckdb') }) },
  { name: 'postgres', make: (): Destination => postgres({ credentials: postgresUrl() }) },
])('a frozen contract through core’s pipeline ($name)', ({ name, make }) => {
  test('a new column or a changed type fails the run naming table and column; evolve then loads them', async () => {
    const dir = await tempDir(`sluice-faults-contract-${name}-`)
    const dataset = `contract_${name}_${Date.now()}`
    const p = () =>
      pipeline({
        pipelineName: `contract_${name}`,
        destination: make(dir),
        datasetName: dataset,
        pipelinesDir: dir,
      })
    await p().run(sourceOf([{ id: 1, name: 'a', amount: 10 }]))

    const newColumn = p().run(sourceOf([{ id: 2, name: 'b', amount: 11, discount: 0.5 }]), {
      contract: 'freeze',
    })
    await expect(newColumn).rejects.toThrow(/items/)
    await expect(newColumn).rejects.toThrow(/discount/)
    const newType = p().run(sourceOf([{ id: 3, name: 'c', amount: 'twelve' }]), {
      contract: { columns: 'freeze', data_type: 'freeze' },
    })
    await expect(newType).rejects.toThrow(/items/)
    await expect(newType).rejects.toThrow(/amount/)

    await p().run(sourceOf([{ id: 2, name: 'b', amount: 'eleven', discount: 0.5 }]))
    const sql = `select id, amount, amount__v_text, discount from "${dataset}".items order by id`
    const rows =
      name === 'duckdb'
        ? (await duck(join(dir, 'drift.duckdb'), sql)).map((r) =>
            r.map((v) => (typeof v === 'bigint' ? Number(v) : v)),
          )
        : (await postgresQuery(postgresUrl(), sql)).map((r) =>
            Object.values(r).map((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v)),
          )
    expect(rows).toEqual([
      [1, 10, null, null],
      [2, null, 'eleven', 0.5],
    ])
  })
})
