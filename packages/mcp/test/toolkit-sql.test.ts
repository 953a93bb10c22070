import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { dataset } from '@sluice/core'
import { duckdb } from '@sluice/destination-duckdb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOOLKITS_DIR, toolkitNames } from '../src/index.ts'
import { loadDemo, project } from './demo.ts'

// Every SQL snippet of the clockodo toolkit runs on the demo pipeline's DuckDB through the dataset API.
const skill = join(TOOLKITS_DIR, 'clockodo', 'skills', 'clockodo-data', 'SKILL.md')
let file: string
let data: ReturnType<typeof dataset>

beforeAll(async () => {
  const { cwd, pipelinesDir } = await project('sluice-mcp-sql-')
  file = join(cwd, 'demo.duckdb')
  await loadDemo(duckdb({ path: file }), pipelinesDir)
  data = dataset({ destination: duckdb({ path: file }), datasetName: 'clockodo_data' })
})
afterAll(() => data?.close())

describe('the clockodo toolkit', () => {
  it('ships its SQL as runnable snippets that answer with rows', async () => {
    const text = await readFile(skill, 'utf8')
    const snippets = [...text.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!)
    expect(snippets.length).toBeGreaterThanOrEqual(8)
    const empty: string[] = []
    for (const sql of snippets) {
      const rows = await data.query(sql).rows()
      if (rows.length === 0) empty.push(sql)
    }
    // only the running clocks may be none in a finished demo account
    expect(empty.map((s) => s.split('\n')[0])).toEqual(
      empty.length ? ['select users_name, time_since, customers_name, projects_name'] : [],
    )
  })

  it('hours per user add up to the total, and the billable share lies between 0 and 100', async () => {
    const text = await readFile(skill, 'utf8')
    const [perUser, , , billable] = [...text.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!)
    const users = await data.query(perUser!).rows()
    const total = Number(
      await data.query('select sum(duration) / 3600.0 from entries where type = 1').scalar(),
    )
    const sum = users.reduce((a, r) => a + Number(r['hours']), 0)
    expect(Math.abs(sum - total)).toBeLessThan(0.05 * users.length + 0.01)
    for (const r of await data.query(billable!).rows()) {
      expect(Number(r['billable_pct'])).toBeGreaterThanOrEqual(0)
      expect(Number(r['billable_pct'])).toBeLessThanOrEqual(100)
    }
  })

  it('every toolkit parses and names existing skills', async () => {
    const { loadToolkit } = await import('../src/index.ts')
    for (const name of await toolkitNames()) {
      const t = await loadToolkit(name)
      expect(t.skills.length + t.rules.length, name).toBeGreaterThan(0)
      if (t.entry)
        expect(
          t.skills.map((s) => s.name),
          name,
        ).toContain(t.entry)
    }
    const rest = await loadToolkit('rest-api-pipeline')
    expect(rest.skills.map((s) => s.name).sort()).toEqual([
      'create-rest-api-pipeline',
      'debug-pipeline',
      'find-source',
      'new-endpoint',
      'validate-data',
      'view-data',
    ])
  })
})
