import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { postgres } from '@sluice/destination-postgres'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { call, connect, loadDemo, project, SECRET_IN_FILE } from './demo.ts'

// The same tools against PostgreSQL (a throwaway server), as a role whose password only the environment holds.
const url = inject('postgresUrl')
const why = inject('postgresError')
if (!url) console.warn(`[mcp] skipping the PostgreSQL tests: ${why}`)

const PASSWORD = 'PG-SECRET-e3a9b1c7f0'
const ROLE = `mcp_${process.pid}`
const DATASET = `mcp_data_${process.pid}`
const seen: string[] = []
let client: Client

describe.skipIf(!url)('the MCP server on a PostgreSQL pipeline', () => {
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    await admin.query(`CREATE ROLE ${ROLE} LOGIN SUPERUSER PASSWORD '${PASSWORD}'`)
    await admin.end()
    const roleUrl = new URL(url)
    roleUrl.username = ROLE
    roleUrl.password = PASSWORD
    const { cwd, pipelinesDir } = await project('sluice-mcp-pg-')
    await loadDemo(postgres({ credentials: roleUrl.href }), pipelinesDir, DATASET)
    client = await connect({
      cwd,
      pipelinesDir,
      env: { DESTINATION__POSTGRES__CREDENTIALS__PASSWORD: PASSWORD },
    })
  })

  afterAll(async () => {
    await client?.close()
    const all = seen.join('\n')
    expect(all.length).toBeGreaterThan(500)
    expect(all).not.toContain(PASSWORD)
    expect(all).not.toContain(SECRET_IN_FILE)
  })

  const P = { pipeline_name: 'clockodo_pipeline' }

  it('reads tables, schema, DDL in PostgreSQL types, previews and counts', async () => {
    const info = await call(client, 'get_pipeline_info', P, seen)
    expect(info.structured).toMatchObject({ destination: { name: 'postgres' }, dataset: DATASET })
    const tables = await call(client, 'list_tables', P, seen)
    expect(tables.structured?.['tables']).toContain('entries')
    const ddl = await call(client, 'get_table_create_sql', { ...P, table_name: 'entries' }, seen)
    expect(ddl.text).toContain(`CREATE TABLE "${DATASET}"."entries" (`)
    expect(ddl.text).toMatch(/"duration" bigint/)
    expect(ddl.text).toMatch(/"time_since" timestamp with time zone/)
    const preview = await call(client, 'preview_table', { ...P, table_name: 'users', rows: 2 }, seen)
    expect(preview.structured?.['rows']).toHaveLength(2)
    const counts = await call(client, 'get_row_counts', { ...P, output_format: 'jsonl' }, seen)
    expect(counts.text).toMatch(/\{"table_name":"entries","row_count":\d{3,}\}/)
  })

  it('refuses writes and several statements; the table stays intact', async () => {
    const count = async () =>
      JSON.parse(
        (
          await call(
            client,
            'execute_sql_query',
            { ...P, sql_select_query: 'select count(*) as n from entries', output_format: 'jsonl' },
            seen,
          )
        ).text,
      ) as { n: number }
    const before = await count()
    expect(before.n).toBeGreaterThan(100)
    for (const sql of [
      'drop table entries',
      'insert into entries (id) values (1)',
      'select 1; drop table entries',
    ]) {
      const r = await call(client, 'execute_sql_query', { ...P, sql_select_query: sql }, seen)
      expect(r.isError, sql).toBe(true)
      expect(r.text, sql).toMatch(/READ_ONLY|QUERY_FAILED/)
    }
    expect(await count()).toEqual(before)
  })

  it('check_config finds the destination complete with the password from the environment', async () => {
    const check = await call(client, 'check_config', P, seen)
    expect(check.structured).toMatchObject({ destination: { name: 'postgres', ok: true } })
  })
})
