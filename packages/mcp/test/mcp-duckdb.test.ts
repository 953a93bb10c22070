import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { duckdb } from '@sluice/destination-duckdb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toolNames } from '../src/index.ts'
import { call, connect, loadDemo, project, SECRET_IN_ENV, SECRET_IN_FILE } from './demo.ts'

const seen: string[] = []
let cwd: string
let pipelinesDir: string
let file: string
let client: Client

beforeAll(async () => {
  ;({ cwd, pipelinesDir } = await project('sluice-mcp-duckdb-'))
  file = join(cwd, 'demo.duckdb')
  await loadDemo(duckdb({ path: file }), pipelinesDir)
  client = await connect({
    cwd,
    pipelinesDir,
    env: { SOURCES__CLOCKODO__API_USER: SECRET_IN_ENV, PATH: process.env.PATH },
  })
})

afterAll(async () => {
  await client?.close()
  // the scan covers every result the tests saw, errors included
  const all = seen.join('\n')
  expect(all.length).toBeGreaterThan(1000)
  expect(all).not.toContain(SECRET_IN_FILE)
  expect(all).not.toContain(SECRET_IN_ENV)
})

const P = { pipeline_name: 'clockodo_pipeline' }

describe('the MCP server on the demo pipeline (DuckDB)', () => {
  it('lists its tools with read-only hints; run_pipeline only with a runner', async () => {
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual(toolNames())
    expect(tools.map((t) => t.name)).not.toContain('run_pipeline')
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]))
    expect(byName['execute_sql_query']?.annotations?.readOnlyHint).toBe(true)
    expect(byName['secrets_update_fragment']?.annotations?.readOnlyHint).toBe(false)
    expect(byName['preview_table']?.inputSchema.properties).toHaveProperty('pipeline_name')
    for (const t of tools) expect(t.description?.length).toBeGreaterThan(40)
  })

  it('list_pipelines, get_pipeline_info, get_last_run_summary, get_local_pipeline_state', async () => {
    const list = await call(client, 'list_pipelines', {}, seen)
    expect(list.text).toContain('| clockodo_pipeline | duckdb | clockodo_data |')
    const info = await call(client, 'get_pipeline_info', P, seen)
    expect(info.structured).toMatchObject({
      destination: { name: 'duckdb', location: expect.stringContaining('demo.duckdb') },
      dataset: 'clockodo_data',
      pendingPackages: [],
      lastRun: { status: 'completed' },
    })
    const run = await call(client, 'get_last_run_summary', P, seen)
    const summary = run.structured?.['summary'] as { rowsPerTable: Record<string, number>; steps: unknown[] }
    expect(summary.rowsPerTable['entries']).toBeGreaterThan(100)
    expect(summary.steps.length).toBeGreaterThanOrEqual(3)
    const state = await call(client, 'get_local_pipeline_state', P, seen)
    expect(state.structured).toMatchObject({ state: { sources: { clockodo: expect.any(Object) } } })

    const unknown = await call(client, 'get_pipeline_info', { pipeline_name: 'nope' }, seen)
    expect(unknown.isError).toBe(true)
    expect(unknown.text).toMatch(/PIPELINE_UNKNOWN.*known pipelines: clockodo_pipeline/)
  })

  it('list_tables, get_table_schema, get_table_create_sql, preview_table', async () => {
    const tables = await call(client, 'list_tables', P, seen)
    expect(tables.structured?.['tables']).toContain('entries')
    expect(tables.structured?.['tables']).not.toContain('_sluice_loads')
    const all = await call(client, 'list_tables', { ...P, include_system: true }, seen)
    expect(all.structured?.['tables']).toContain('_sluice_loads')

    const schema = await call(client, 'get_table_schema', { ...P, table_name: 'entries' }, seen)
    const table = schema.structured?.['table'] as { columns: { name: string; dataType: string }[] }
    expect(table.columns).toContainEqual(expect.objectContaining({ name: 'duration', dataType: 'bigint' }))
    const missing = await call(client, 'get_table_schema', { ...P, table_name: 'entriez' }, seen)
    expect(missing.isError).toBe(true)
    expect(missing.text).toMatch(/TABLE_UNKNOWN.*entries/)

    const ddl = await call(client, 'get_table_create_sql', { ...P, table_name: 'entries' }, seen)
    expect(ddl.text).toMatch(/^CREATE TABLE "clockodo_data"\."entries" \(/)
    expect(ddl.text).toMatch(/"duration" BIGINT/)
    expect(ddl.text).toMatch(/PRIMARY KEY \("id"\)/)

    const preview = await call(client, 'preview_table', { ...P, table_name: 'entries', rows: 3 }, seen)
    expect(preview.structured?.['rows']).toHaveLength(3)
    expect(preview.text).toMatch(/^\| .*\bid\b.* \|\n\| --- \|/)
    expect(preview.text).toContain('*(3 rows)*')
    const jsonl = await call(
      client,
      'preview_table',
      { ...P, table_name: 'entries', rows: 2, output_format: 'jsonl' },
      seen,
    )
    const lines = jsonl.text.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toHaveLength(2)
    expect(typeof lines[0]?.['id']).toBe('number')
  })

  it('get_row_counts agrees with execute_sql_query; writes and several statements fail, the table intact', async () => {
    const counts = await call(client, 'get_row_counts', P, seen)
    const rows = counts.structured?.['rows'] as { table_name: string; row_count: number }[]
    const entries = rows.find((r) => r.table_name === 'entries')!.row_count
    expect(entries).toBeGreaterThan(100)
    const q = await call(
      client,
      'execute_sql_query',
      { ...P, sql_select_query: 'select count(*) as n from entries', output_format: 'jsonl' },
      seen,
    )
    expect(JSON.parse(q.text)).toEqual({ n: entries })

    for (const sql of [
      'drop table entries',
      'insert into entries (id) values (1)',
      'delete from entries',
      'select 1; drop table entries',
    ]) {
      const r = await call(client, 'execute_sql_query', { ...P, sql_select_query: sql }, seen)
      expect(r.isError, sql).toBe(true)
      expect(r.text, sql).toMatch(/READ_ONLY|QUERY_FAILED/)
    }
    const after = await call(
      client,
      'execute_sql_query',
      { ...P, sql_select_query: 'select count(*) as n from entries', output_format: 'jsonl' },
      seen,
    )
    expect(JSON.parse(after.text)).toEqual({ n: entries })

    const limited = await call(
      client,
      'execute_sql_query',
      { ...P, sql_select_query: 'select id from entries', limit: 5 },
      seen,
    )
    expect(limited.structured).toMatchObject({ truncated: true })
    expect(limited.structured?.['rows']).toHaveLength(5)
    const bad = await call(
      client,
      'execute_sql_query',
      { ...P, sql_select_query: 'select nope from entries' },
      seen,
    )
    expect(bad.isError).toBe(true)
  })

  it('export_schema as mermaid, yaml and dbml', async () => {
    const mermaid = await call(client, 'export_schema', P, seen)
    expect(mermaid.text).toMatch(/^erDiagram\n {2}entries \{/m)
    const yaml = await call(client, 'export_schema', { ...P, output_format: 'yaml' }, seen)
    expect(yaml.text).toMatch(/^name: clockodo/m)
    const dbml = await call(
      client,
      'export_schema',
      { ...P, output_format: 'dbml', hide_system_columns: true },
      seen,
    )
    expect(dbml.text).toMatch(/^Table "entries" \{/m)
    expect(dbml.text).not.toContain('_sluice_load_id')
  })

  it('secrets: names only, masked values with placeholders readable, fragments merged into a private file', async () => {
    const list = await call(client, 'secrets_list', {}, seen)
    expect(list.text).toContain('.sluice/secrets.toml: sources.clockodo.api_key, sources.other.token')
    expect(list.text).toContain('environment: SOURCES__CLOCKODO__API_USER')
    const view = await call(client, 'secrets_view_redacted', {}, seen)
    expect(view.text).toContain('api_key = "**********"')
    expect(view.text).toContain('token = "your-token"')

    const update = await call(
      client,
      'secrets_update_fragment',
      { fragment: '[destination.postgres.credentials]\\npassword = "your-password"\\nhost = "db.local"' },
      seen,
    )
    expect(update.isError).toBe(false)
    expect(update.text).toContain('password = "your-password"')
    expect(update.text).toContain('host = "**********"')
    const secretsFile = join(cwd, '.sluice', 'secrets.toml')
    expect((await stat(secretsFile)).mode & 0o777).toBe(0o600)
    const text = await readFile(secretsFile, 'utf8')
    expect(text).toContain(SECRET_IN_FILE) // the user's key is kept
    expect(text).toContain('host = "db.local"')
    expect(await readFile(join(cwd, '.sluice', '.gitignore'), 'utf8')).toContain('secrets.toml')
    const invalid = await call(client, 'secrets_update_fragment', { fragment: 'not = toml = at all' }, seen)
    expect(invalid.isError).toBe(true)
    expect(invalid.text).toContain('CONFIG_INVALID')
  })

  it('list_sources, list_destinations, check_config', async () => {
    const sources = await call(client, 'list_sources', {}, seen)
    expect(sources.text).toContain('- api_key (secret) (required)')
    const destinations = await call(client, 'list_destinations', {}, seen)
    const list = destinations.structured?.['destinations'] as {
      name: string
      installed: boolean
      keys: unknown[]
    }[]
    expect(list.find((d) => d.name === 'duckdb')).toMatchObject({ installed: true })
    expect(list.find((d) => d.name === 'duckdb')?.keys.length).toBeGreaterThan(0)
    expect(list.find((d) => d.name === 'snowflake')).toMatchObject({ installed: false })

    const check = await call(client, 'check_config', P, seen)
    expect(check.structured).toMatchObject({
      ok: true,
      missing: [],
      destination: { name: 'duckdb', ok: true },
    })
    expect(check.text).toContain('set     sources.clockodo.api_key (secret)')
    const pg = await call(client, 'check_config', { ...P, destination: 'postgres', source: 'clockodo' }, seen)
    expect(pg.structured).toMatchObject({ ok: false, destination: { name: 'postgres', ok: false } })
    // the secrets test above left a partial [destination.postgres.credentials]: the package refuses it
    expect(pg.text).toMatch(/^destination postgres: \[CONFIG_INVALID\]/m)

    // a project without configuration, before the pipeline's first run
    const empty = await mkdtemp(join(tmpdir(), 'sluice-mcp-empty-'))
    const fresh = await connect({ cwd: empty, pipelinesDir, env: {} })
    try {
      const r = await call(fresh, 'check_config', { pipeline_name: 'new_pipeline' }, seen)
      expect(r.structured).toMatchObject({
        ok: false,
        missing: ['sources.clockodo.api_user', 'sources.clockodo.api_key'],
        destination: { name: 'duckdb', ok: true },
      })
      expect(r.text).toContain(
        '-> SOURCES__CLOCKODO__API_KEY, or api_key under [sources.clockodo] in .sluice/secrets.toml',
      )
    } finally {
      await fresh.close()
    }
  })

  it('serves the schema and the last run as resources', async () => {
    const { resources } = await client.listResources()
    expect(resources.map((r) => r.uri)).toEqual([
      'sluice://pipelines/clockodo_pipeline/schema',
      'sluice://pipelines/clockodo_pipeline/last-run',
    ])
    const schema = await client.readResource({ uri: 'sluice://pipelines/clockodo_pipeline/schema' })
    const lastRun = await client.readResource({ uri: 'sluice://pipelines/clockodo_pipeline/last-run' })
    const texts = [...schema.contents, ...lastRun.contents].map((c) => ('text' in c ? c.text : ''))
    seen.push(...texts)
    expect(texts[0]).toMatch(/^name: clockodo/m)
    expect(JSON.parse(texts[1]!)).toMatchObject({ status: 'completed' })
  })

  it('a server scoped to one pipeline drops pipeline_name; run_pipeline runs with a runner', async () => {
    const scoped = await connect({
      cwd,
      pipelinesDir,
      pipeline: 'clockodo_pipeline',
      run: () => loadDemo(duckdb({ path: file }), pipelinesDir),
    })
    try {
      const { tools } = await scoped.listTools()
      const names = tools.map((t) => t.name)
      expect(names).not.toContain('list_pipelines')
      expect(names).toContain('run_pipeline')
      for (const t of tools) expect(t.inputSchema.properties ?? {}).not.toHaveProperty('pipeline_name')
      const tables = await call(scoped, 'list_tables', {}, seen)
      expect(tables.structured?.['tables']).toContain('entries')
      const run = await call(scoped, 'run_pipeline', {}, seen)
      expect(run.isError).toBe(false)
      expect(run.text).toMatch(/^pipeline clockodo_pipeline loaded 1 package\(s\) into duckdb/)
    } finally {
      await scoped.close()
    }
  })
})
