import { readFile } from 'node:fs/promises'
import { isSluiceError } from '@sluice/core/destination'
import { loadOnce, open, table } from '@sluice/destination-testkit/warehouse'
import { describe, expect, inject, it } from 'vitest'
import { connectRedshift, parseRedshiftCredentials, redshift } from '../src/index.ts'
import { admin, compatUrl, dq, dropDataset, uniqueName } from './redshift-helpers.ts'

// The INSERT path (no staging bucket) on the compatibility-profile database: statements under the size limit, one
// transaction per job file, terminal data errors named, lost connections transient.
function urlFor(app: string): string {
  const url = new URL(compatUrl())
  url.searchParams.set('application_name', app)
  return url.toString()
}

/** Statements the server logged for an application name (`log_statement=all`); undefined for an external server. */
async function logged(app: string): Promise<string[] | undefined> {
  const log = inject('postgresLog')
  if (!log) return undefined
  return (await readFile(log, 'utf8')).split('\n').filter((line) => line.startsWith(`${app}|`))
}

const items = table('items', [
  { name: 'id', dataType: 'bigint' },
  { name: 'amount', dataType: 'decimal', precision: 8, scale: 2 },
])
const rows = (n: number, bad?: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: i,
    amount: i === bad ? '12345678901.5' : `${i}.25`,
    _sluice_load_id: 'l',
    _sluice_id: `r${i}`,
  }))

describe('redshift INSERT path', () => {
  it('splits a job file into statements under the size limit, all in one transaction', async () => {
    const dataset = uniqueName('ins')
    const app = uniqueName('app')
    const client = await open(
      redshift({ credentials: urlFor(app), insertLimits: { maxStatementBytes: 2000, maxParams: 32767 } }),
      dataset,
    )
    await loadOnce(client, [{ table: items, rows: rows(300) }])
    await client[Symbol.asyncDispose]()
    expect(
      await admin(`SELECT count(*)::int AS n, sum(amount)::text AS s FROM ${dq(dataset)}.items`),
    ).toEqual([{ n: 300, s: String(300 * 0.25 + (299 * 300) / 2) + '.00' }])
    const log = await logged(app)
    if (log === undefined) {
      console.info('[test] external PostgreSQL: the statement log is not readable; batch count not checked')
    } else {
      const inserts = log.filter((l) => l.includes(`INSERT INTO "${dataset}_staging"."items"`))
      expect(inserts.length).toBeGreaterThan(3)
    }
    await dropDataset(dataset)
  })

  it('a value that does not fit fails the job as a terminal data error and leaves no row of it', async () => {
    const dataset = uniqueName('ins_bad')
    const client = await open(
      redshift({ credentials: compatUrl(), insertLimits: { maxStatementBytes: 2000, maxParams: 32767 } }),
      dataset,
    )
    const error = await loadOnce(client, [{ table: items, rows: rows(300, 250) }]).catch((e: unknown) => e)
    await client[Symbol.asyncDispose]()
    expect(isSluiceError(error, 'DESTINATION_DATA')).toBe(true)
    expect((error as { transient: boolean }).transient).toBe(false)
    expect((error as Error).message).toMatch(/numeric overflow/)
    expect(await admin(`SELECT count(*)::int AS n FROM ${dq(`${dataset}_staging`)}.items`)).toEqual([
      { n: 0 },
    ])
    await dropDataset(dataset)
  })

  it('a NULL into a NOT NULL column is named as such', async () => {
    const dataset = uniqueName('ins_null')
    const client = await open(redshift({ credentials: compatUrl() }), dataset)
    await loadOnce(client, [{ table: items, rows: rows(1) }])
    await admin(`ALTER TABLE ${dq(`${dataset}_staging`)}.items ALTER COLUMN amount SET NOT NULL`)
    const error = await loadOnce(client, [
      { table: items, rows: [{ id: 9, amount: null, _sluice_load_id: 'l', _sluice_id: 'n9' }] },
    ]).catch((e: unknown) => e)
    await client[Symbol.asyncDispose]()
    expect(isSluiceError(error, 'DESTINATION_DATA')).toBe(true)
    expect((error as Error).message).toMatch(/a NULL value went into a NOT NULL column/)
    expect((error as Error).message).toMatch(/DROP NOT NULL/)
    await dropDataset(dataset)
  })

  it('a connection the server ends is a transient error, and the next statement works', async () => {
    const client = await connectRedshift({ params: parseRedshiftCredentials(compatUrl()) })
    try {
      const error = await client
        .transaction(async (tx) => {
          const [me] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
          await admin('SELECT pg_terminate_backend($1)', [me?.pid])
          await tx.query('SELECT 1')
        })
        .catch((e: unknown) => e)
      expect(isSluiceError(error)).toBe(true)
      expect((error as { transient: boolean }).transient).toBe(true)
      expect(await client.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
    } finally {
      await client[Symbol.asyncDispose]()
    }
  })
})
