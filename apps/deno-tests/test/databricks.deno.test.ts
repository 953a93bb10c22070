// Runs under `deno test -A`: the Databricks destination imports and talks the SQL Statement Execution API on Deno.
// The workspace is a fetch function answering in-process (no network): one reader query, its result converted.
import assert from 'node:assert/strict'
import { databricks } from '@sluice/destination-databricks'

Deno.test('databricks under Deno: a reader query through the SQL Statement Execution API', async () => {
  const seen: string[] = []
  const workspace: typeof fetch = async (input, init) => {
    const url = new URL(String(input))
    seen.push(`${init?.method} ${url.host}${url.pathname}`)
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>
    assert.equal(new Headers(init?.headers).get('authorization'), 'Bearer dapi-deno')
    assert.equal(body['warehouse_id'], 'w1')
    assert.equal(body['schema'], 'deno_ds')
    return Response.json({
      statement_id: 's1',
      status: { state: 'SUCCEEDED' },
      manifest: { schema: { columns: [{ name: 'n', type_name: 'LONG', type_text: 'bigint' }] } },
      result: { chunk_index: 0, data_array: [['41'], ['42']] },
    })
  }
  const destination = databricks({
    serverHostname: 'dbc-deno.cloud.databricks.com',
    warehouseId: 'w1',
    catalog: 'main',
    accessToken: 'dapi-deno',
    http: { fetch: workspace },
  })
  const reader = await destination.openReader?.({ datasetName: 'deno_ds' })
  assert.ok(reader)
  const rows: unknown[] = []
  for await (const chunk of reader.query('SELECT n FROM t')) rows.push(...chunk.rows)
  await reader.close()
  assert.deepEqual(rows, [[41n], [42n]])
  assert.deepEqual(seen, ['POST dbc-deno.cloud.databricks.com/api/2.0/sql/statements'])
})
