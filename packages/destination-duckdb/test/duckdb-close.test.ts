import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DuckDBClient } from '../src/index.ts'

const dir = await mkdtemp(join(tmpdir(), 'sluice-duckdb-close-'))
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A client on `path` whose statements (as it sends them to its connection) are recorded. */
async function recorded(path: string) {
  const client = await DuckDBClient.open({ path })
  const sql: string[] = []
  const connection = (client as unknown as { connection: { run: (s: string) => Promise<unknown> } })
    .connection
  const run = connection.run.bind(connection)
  connection.run = (s) => {
    sql.push(s)
    return run(s)
  }
  return { client, sql }
}

describe('closing a DuckDB file', () => {
  it('checkpoints with a statement before the last client closes it, and not before', async () => {
    const path = join(dir, 'close.duckdb')
    const first = await recorded(path)
    const second = await recorded(path)
    await first.client.execute('CREATE TABLE t AS SELECT range AS id FROM range(1000)')
    // the instance stays open for the second client: nothing to checkpoint yet
    await first.client[Symbol.asyncDispose]()
    expect(first.sql).not.toContain('CHECKPOINT')
    // the last client checkpoints off the event loop's thread; closing then finds nothing left to write
    await second.client[Symbol.asyncDispose]()
    expect(second.sql.at(-1)).toBe('CHECKPOINT')
    const again = await DuckDBClient.open({ path })
    expect(await again.query('SELECT count(*)::INTEGER AS n FROM t')).toEqual([{ n: 1000 }])
    await again[Symbol.asyncDispose]()
  })
})
