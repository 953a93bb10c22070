import type { DestinationClient, LoadJob, PipelineEvent, Schema, TableLoad } from '@sluice/core/destination'
import { beforeAll, describe, expect, it } from 'vitest'
import { postgres } from '../src/index.ts'
import { ctxFor, jobFile, loadPackage, schemaOf, table } from './postgres-fixtures.ts'
import { admin, serverUrl, uniqueName, urlWith } from './postgres-helpers.ts'

const events = table('events', [
  { name: 'n', dataType: 'bigint' },
  { name: 'who', dataType: 'text' },
])
const items = table(
  'items',
  [
    { name: 'id', dataType: 'bigint', primaryKey: true },
    { name: 'who', dataType: 'text' },
  ],
  {
    writeDisposition: 'merge',
    mergeStrategy: 'delete-insert',
  },
)
const schema: Schema = schemaOf([events, items])
const tableLoads: Omit<TableLoad, 'rows'>[] = [
  { table: events, disposition: 'append' },
  { table: items, disposition: 'merge', mergeStrategy: 'delete-insert' },
]

async function jobsFor(loadId: string, who: string): Promise<LoadJob[]> {
  const eventRows = Array.from({ length: 500 }, (_, i) => ({ n: i, who }))
  // Overlapping keys 50..149: the merge must leave exactly one row per key.
  const itemRows = Array.from({ length: 100 }, (_, i) => ({ id: (who === 'a' ? 0 : 50) + i, who }))
  return [await jobFile(loadId, events, eventRows, 'csv'), await jobFile(loadId, items, itemRows)]
}

async function client(dataset: string, seen: PipelineEvent[] = [], app?: string): Promise<DestinationClient> {
  const credentials = app ? urlWith({ query: `application_name=${app}` }) : serverUrl()
  return postgres({ credentials, poolSize: 3 }).createClient(ctxFor(dataset, seen))
}

async function advisoryLocksHeldBy(app: string): Promise<number> {
  const [row] = await admin<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1`,
    [app],
  )
  return row?.n ?? 0
}

async function counts(dataset: string) {
  const [row] = await admin<{ events: number; items: number; keys: number; loads: number }>(
    `SELECT (SELECT count(*)::int FROM ${dataset}.events) AS events, (SELECT count(*)::int FROM ${dataset}.items) AS items,
            (SELECT count(DISTINCT id)::int FROM ${dataset}.items) AS keys, (SELECT count(*)::int FROM ${dataset}._sluice_loads) AS loads`,
  )
  return row
}

describe('two pipelines loading into one database at once', () => {
  beforeAll(() => {
    serverUrl()
  })

  it('take turns on the same dataset: the second waits for the first, nothing lost or duplicated', async () => {
    const dataset = uniqueName('same')
    const a = await client(dataset)
    const seenByB: PipelineEvent[] = []
    const b = await client(dataset, seenByB)
    try {
      await a.initialize()
      await a.migrate(schema, [])
      const jobsA = await jobsFor('1001', 'a')
      let bWaiting!: () => void
      const waiting = new Promise<void>((resolve) => {
        bWaiting = resolve
      })
      const bCtxEvents = seenByB
      const poll = setInterval(() => {
        if (bCtxEvents.some((e) => e.type === 'warning')) bWaiting()
      }, 5)
      // B runs its whole package while A holds the dataset; B must block in migrate until A completes.
      const bDone = (async () => loadPackage(b, schema, await jobsFor('1002', 'b'), tableLoads))()
      await waiting
      clearInterval(poll)
      expect(await admin(`SELECT count(*)::int AS n FROM ${dataset}._sluice_loads`)).toEqual([{ n: 0 }])
      await loadPackage(a, schema, jobsA, tableLoads)
      await bDone
      expect(seenByB.find((e) => e.type === 'warning')).toMatchObject({
        message: expect.stringContaining(`"${dataset}"`),
      })
      expect(await counts(dataset)).toEqual({ events: 1000, items: 150, keys: 150, loads: 2 })
      // B published last, so it owns the overlapping keys.
      expect(
        await admin(`SELECT who, count(*)::int AS n FROM ${dataset}.items GROUP BY who ORDER BY who`),
      ).toEqual([
        { who: 'a', n: 50 },
        { who: 'b', n: 100 },
      ])
    } finally {
      await a[Symbol.asyncDispose]()
      await b[Symbol.asyncDispose]()
    }
  })

  it('run fully in parallel on the same dataset and end consistent', async () => {
    const dataset = uniqueName('race')
    const clients = await Promise.all([client(dataset), client(dataset), client(dataset)])
    try {
      await Promise.all(
        clients.map(async (c, i) =>
          loadPackage(c, schema, await jobsFor(`200${i}`, i === 0 ? 'a' : 'b'), tableLoads),
        ),
      )
      const result = await counts(dataset)
      expect(result).toEqual({ events: 1500, items: 150, keys: 150, loads: 3 })
    } finally {
      for (const c of clients) await c[Symbol.asyncDispose]()
    }
  })

  it('run in parallel on different datasets without waiting for each other', async () => {
    const datasets = [uniqueName('left'), uniqueName('right')]
    const seen: PipelineEvent[] = []
    const clients = await Promise.all(datasets.map((d) => client(d, seen)))
    try {
      await Promise.all(
        clients.map(async (c, i) => loadPackage(c, schema, await jobsFor(`300${i}`, 'a'), tableLoads)),
      )
      for (const d of datasets)
        expect(await counts(d)).toEqual({ events: 500, items: 100, keys: 100, loads: 1 })
      expect(seen.filter((e) => e.type === 'warning')).toEqual([])
    } finally {
      for (const c of clients) await c[Symbol.asyncDispose]()
    }
  })

  it('a failed complete keeps the dataset until its retry succeeds', async () => {
    const dataset = uniqueName('retry')
    const appA = uniqueName('holder')
    const a = await client(dataset, [], appA)
    const seenByB: PipelineEvent[] = []
    const b = await client(dataset, seenByB)
    try {
      await a.initialize()
      await a.migrate(schema, [])
      const jobs = await jobsFor('5001', 'a')
      const load = { loadId: '5001', schema, tables: tableLoads.map((tl) => ({ ...tl, rows: 1 })) }
      await a.startLoad(load)
      for (const job of jobs) await a.load(job, new AbortController().signal)
      // The first publish fails (a trigger raises once: nextval is not rolled back).
      await admin(`CREATE SEQUENCE ${dataset}.fail_once;
        CREATE FUNCTION ${dataset}.fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF nextval('${dataset}.fail_once') = 1 THEN RAISE EXCEPTION 'injected failure' USING ERRCODE = '55000'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER fail_once BEFORE INSERT ON ${dataset}._sluice_loads FOR EACH ROW EXECUTE FUNCTION ${dataset}.fail_once()`)
      const bDone = (async () => loadPackage(b, schema, await jobsFor('5002', 'b'), tableLoads))()
      await expect(a.complete(load)).rejects.toThrow('injected failure')
      expect(await advisoryLocksHeldBy(appA)).toBe(1)
      expect(await admin(`SELECT count(*)::int AS n FROM ${dataset}._sluice_loads`)).toEqual([{ n: 0 }])
      await a.complete(load)
      expect(await advisoryLocksHeldBy(appA)).toBe(0)
      await bDone
      expect(await counts(dataset)).toEqual({ events: 1000, items: 150, keys: 150, loads: 2 })
    } finally {
      await a[Symbol.asyncDispose]()
      await b[Symbol.asyncDispose]()
    }
  })

  it('a pipeline that dies mid-package releases the dataset for the next one', async () => {
    const dataset = uniqueName('crash')
    const a = await client(dataset)
    await a.initialize()
    await a.migrate(schema, [])
    await a.load((await jobsFor('4001', 'a'))[0] as LoadJob, new AbortController().signal)
    await a[Symbol.asyncDispose]() // no complete(): the crash
    const b = await client(dataset)
    try {
      await loadPackage(b, schema, await jobsFor('4002', 'b'), tableLoads)
      expect(await counts(dataset)).toEqual({ events: 500, items: 100, keys: 100, loads: 1 })
    } finally {
      await b[Symbol.asyncDispose]()
    }
  })
})
