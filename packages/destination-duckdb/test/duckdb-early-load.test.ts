import { pipeline, type Source } from '@sluice/core'
import { nodeFileSystem } from '@sluice/core/node'
import { describe, expect, it } from 'vitest'
import { duckdb } from '../src/index.ts'
import { memoryDuckDB, shopSource } from './duckdb-test-helpers.ts'

// Job files load into staging while the source still yields pages (core's `loadWhileExtracting`): the data
// must equal a load after extraction, also when the schema grows mid-run and on a second run whose staging
// tables still hold the first run's rows.
const { instance, conn, dir } = await memoryDuckDB('sluice-duckdb-early-')

async function count(sql: string): Promise<number> {
  try {
    return Number((await conn.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0)
  } catch {
    return 0 // the staging table does not exist yet
  }
}

interface Plan {
  pages: number
  /** Page from which rows carry the new column `note`. */
  noteFrom: number
  /** Tags per row. */
  tags: (id: number) => string[]
  label: string
}

/** 200 items and 100 events per page, a pause after each page and, after each items page, what is staged. */
function source(plan: Plan, stagedWhileExtracting: number[]): Source {
  const pause = () => new Promise((r) => setTimeout(r, 5))
  return shopSource({
    label: plan.label,
    pages: Array.from({ length: plan.pages }, (_, p) => [p * 200 + 1, (p + 1) * 200] as const),
    tags: plan.tags,
    events: 100,
    fields: (id, p) => ({
      name: `${plan.label} ${id}, "quoted"\nline`,
      ...(p >= plan.noteFrom ? { note: `n${id}` } : {}),
    }),
    async afterPage(resource) {
      await pause()
      if (resource !== 'items') return
      stagedWhileExtracting.push(
        // a first load stages in the dataset for a rename publish, later ones in early_staging
        (await count('SELECT count(*) FROM early_staging.items')) +
          (await count('SELECT count(*) FROM early._sluice_swap__items')),
      )
    },
  })
}

function run(plan: Plan, staged: number[]) {
  return pipeline({
    pipelineName: 'early',
    destination: duckdb({ instance }),
    datasetName: 'early',
    pipelinesDir: dir,
    fs: nodeFileSystem(),
    fileMaxBytes: 16 * 1024,
  }).run(source(plan, staged))
}

describe('duckdb: loading while extracting', () => {
  it('loads staging during extraction and publishes exactly the extracted rows', async () => {
    const staged: number[] = []
    const info = await run({ pages: 20, noteFrom: 12, tags: () => ['a', 'b'], label: 'first' }, staged)
    expect(staged.some((n) => n > 0)).toBe(true)
    expect(info.tables.items?.rows).toBe(4000)
    expect(await count('SELECT count(*) FROM early.items')).toBe(4000)
    expect(await count('SELECT count(DISTINCT id) FROM early.items')).toBe(4000)
    expect(await count('SELECT count(*) FROM early.items WHERE note IS NOT NULL')).toBe(1600)
    expect(await count('SELECT count(*) FROM early.items__tags')).toBe(8000)
    expect(await count('SELECT count(*) FROM early.events')).toBe(2000)
    expect(
      await count(
        `SELECT count(*) FROM early.items WHERE name LIKE 'first %, "quoted"' || chr(10) || 'line'`,
      ),
    ).toBe(4000)
    // the first load was renamed into place: no copy left in staging, no swap table left in the dataset
    expect(await count('SELECT count(*) FROM early_staging.items')).toBe(0)
    expect(await count(`SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_sluice_swap__%'`)).toBe(
      0,
    )
  })

  it('a second run replaces the rows it re-reads, and leftover staging rows do not come back', async () => {
    const staged: number[] = []
    // rows a killed run left in staging (the first run staged in the dataset and left staging empty)
    await conn.run('INSERT INTO early_staging.items BY NAME SELECT * EXCLUDE (note) FROM early.items')
    // ids 1..2000 again, now with one tag for odd ids and none for even ones
    await run({ pages: 10, noteFrom: 0, tags: (id) => (id % 2 ? ['c'] : []), label: 'second' }, staged)
    // staging held the first run's 4000 rows; it was emptied before this run's first file loaded into it
    expect(Math.min(...staged)).toBeLessThan(2000)
    expect(await count('SELECT count(*) FROM early.items')).toBe(4000)
    expect(await count('SELECT count(DISTINCT id) FROM early.items')).toBe(4000)
    expect(await count(`SELECT count(*) FROM early.items WHERE name LIKE 'second %'`)).toBe(2000)
    // 1000 odd re-read items with one tag + 2000 untouched items with two tags
    expect(await count('SELECT count(*) FROM early.items__tags')).toBe(1000 + 4000)
    expect(await count('SELECT count(*) FROM early.items WHERE note IS NOT NULL')).toBe(2000 + 1600)
    // append: the first run's staged events must not be appended again
    expect(await count(`SELECT count(*) FROM early.events WHERE label = 'first'`)).toBe(2000)
    expect(await count(`SELECT count(*) FROM early.events WHERE label = 'second'`)).toBe(1000)
  })
})
