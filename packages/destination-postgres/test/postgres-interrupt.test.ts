import { execFile } from 'node:child_process'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Column } from '@sluice/core/destination'
import { isSluiceError } from '@sluice/core/destination'
import { describe, expect, it } from 'vitest'
import { connectPostgres, parsePostgresCredentials, postgres } from '../src/index.ts'
import { ctxFor, schemaOf, table } from './postgres-fixtures.ts'
import { admin, serverUrl, uniqueName, urlWith } from './postgres-helpers.ts'

const run = promisify(execFile)

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await probe()
    if (value !== undefined) return value
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error('condition not reached')
}

async function backendOf(app: string, query: string): Promise<number | undefined> {
  const rows = await admin<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE $2 AND state = 'active'`,
    [app, query],
  )
  return rows[0]?.pid
}

describe('interruptions', () => {
  it('a connection lost in the middle of a COPY is a transient error', async () => {
    const app = uniqueName('cut')
    const schema = uniqueName('cut')
    await admin(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.t (id bigint, name varchar)`)
    const dir = await mkdtemp(join(tmpdir(), 'sluice-fifo-'))
    const fifo = join(dir, 'job.jsonl')
    await run('mkfifo', [fifo])
    const client = await connectPostgres({
      params: parsePostgresCredentials(urlWith({ query: `application_name=${app}` })),
    })
    const columns: Column[] = [
      { name: 'id', dataType: 'bigint' },
      { name: 'name', dataType: 'text' },
    ]
    try {
      // The job file is a pipe: the COPY stays open until the writer closes it.
      const loading = client
        .bulkLoad(
          { file: fifo, format: 'jsonl', qualifiedTable: `"${schema}"."t"`, columns, rows: 2 },
          new AbortController().signal,
        )
        .catch((e: unknown) => e)
      const writer = await open(fifo, 'w')
      await writer.write('{"id":1,"name":"a"}\n')
      const pid = await until(() => backendOf(app, 'COPY%'))
      await admin('SELECT pg_terminate_backend($1)', [pid])
      const error = await loading
      await writer.close().catch(() => {})
      expect(isSluiceError(error, 'DESTINATION_TRANSIENT')).toBe(true)
      expect((error as { transient: boolean }).transient).toBe(true)
      expect(await admin(`SELECT count(*)::int AS n FROM ${schema}.t`)).toEqual([{ n: 0 }])
    } finally {
      await client[Symbol.asyncDispose]()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('a run aborted while waiting for another load of the dataset stops waiting', async () => {
    serverUrl()
    const dataset = uniqueName('wait')
    const app = uniqueName('waiter')
    const t = table('t', [{ name: 'id', dataType: 'bigint' }])
    const schema = schemaOf([t])
    const holder = await postgres({ credentials: serverUrl() }).createClient(ctxFor(dataset))
    const controller = new AbortController()
    const waiter = await postgres({
      credentials: urlWith({ query: `application_name=${app}` }),
    }).createClient({
      ...ctxFor(dataset),
      signal: controller.signal,
    })
    try {
      await holder.initialize()
      await holder.migrate(schema, [])
      const waiting = waiter.migrate(schema, []).catch((e: unknown) => e)
      await until(() => backendOf(app, 'SELECT pg_advisory_lock%'))
      controller.abort(new Error('user pressed Ctrl-C'))
      expect(await waiting).toMatchObject({ message: 'user pressed Ctrl-C' })
    } finally {
      await waiter[Symbol.asyncDispose]()
      await holder[Symbol.asyncDispose]()
    }
  })
})
