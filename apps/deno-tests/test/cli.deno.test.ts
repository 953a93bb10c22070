// The CLI's TypeScript entry runs under Deno: `deno run -A apps/cli/src/sluice-bin.ts run --demo --page-workers 2`
// loads the simulated demo account into ./clockodo_demo.duckdb, its entries pages read by two Web Workers.
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'
import { createClockodoAccount } from '@sluice/clockodo-mock'
import { DEMO_ACCOUNT } from 'sluice'

const entry = fileURLToPath(new URL('../../cli/src/sluice-bin.ts', import.meta.url))

Deno.test({
  name: 'sluice run --demo under Deno loads the demo account into DuckDB',
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cwd = await Deno.makeTempDir({ prefix: 'sluice-deno-cli-' })
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        // two page workers (Web Workers under Deno), which the demo otherwise leaves off
        args: ['run', '-A', entry, 'run', '--demo', '--page-workers', '2', '--progress', 'none', '--json'],
        cwd,
        env: { SLUICE_PIPELINES_DIR: `${cwd}/pipelines`, HOME: cwd },
        stdout: 'piped',
        stderr: 'piped',
      }).output()
      const stderr = new TextDecoder().decode(out.stderr)
      assert.equal(out.code, 0, stderr)
      const info = JSON.parse(new TextDecoder().decode(out.stdout))
      assert.equal(info.destinationName, 'duckdb')
      const demo = createClockodoAccount({
        seed: DEMO_ACCOUNT.seed,
        today: DEMO_ACCOUNT.today,
        ...DEMO_ACCOUNT.size,
      })
      const instance = await DuckDBInstance.create(`${cwd}/clockodo_demo.duckdb`)
      const conn = await instance.connect()
      try {
        for (const [table, rows] of Object.entries(demo.expectedCounts())) {
          const r = await conn.runAndReadAll(`select count(*) from clockodo_demo_data."${table}"`)
          assert.equal(Number(r.getRows()[0]?.[0]), rows, `rows in ${table}`)
        }
      } finally {
        conn.closeSync()
        instance.closeSync()
      }
    } finally {
      await rm(cwd, { recursive: true, force: true })
    }
  },
})
