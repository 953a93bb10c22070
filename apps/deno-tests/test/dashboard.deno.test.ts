// The dashboard serves under Deno (Deno.serve): the page and an API endpoint with the token, nothing without it,
// and a wrong Host header refused.
import assert from 'node:assert/strict'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { serveDashboard } from '@sluice/dashboard'

function statusWithHost(port: number, host: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/pipelines',
        headers: { host, authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

Deno.test({
  name: 'serveDashboard under Deno answers with the token and checks the Host header',
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: 'sluice-deno-dashboard-' })
    const pipelinesDir = `${dir}/pipelines`
    await mkdir(`${pipelinesDir}/demo`, { recursive: true })
    await writeFile(
      `${pipelinesDir}/demo/trace.json`,
      JSON.stringify({
        pipelineName: 'demo',
        datasetName: 'demo_data',
        destinationName: 'duckdb',
        startedAt: '2024-01-01T00:00:00.000Z',
        finishedAt: '2024-01-01T00:00:02.000Z',
        steps: [],
        loadIds: [],
        resumedPackages: [],
        skippedResources: [],
        warnings: [],
      }),
    )
    const dashboard = await serveDashboard({ pipelinesDir })
    try {
      const base = `http://127.0.0.1:${dashboard.port}`
      const page = await fetch(dashboard.url, { redirect: 'manual' })
      await page.body?.cancel()
      assert.equal(page.status, 303)
      const cookie = page.headers.get('set-cookie')?.split(';')[0] ?? ''
      assert.match(cookie, /^sluice_dashboard_\d+=/)
      const home = await fetch(`${base}/`, { headers: { cookie } })
      assert.equal(home.status, 200)
      assert.match(await home.text(), /sluice dashboard/)
      const list = await fetch(`${base}/api/pipelines`, { headers: { cookie } })
      assert.equal(list.status, 200)
      const pipelines = await list.json()
      assert.equal(pipelines[0].name, 'demo')
      assert.equal(pipelines[0].lastRun.status, 'succeeded')
      const refused = await fetch(`${base}/api/pipelines`)
      await refused.body?.cancel()
      assert.equal(refused.status, 401)
      assert.equal(await statusWithHost(dashboard.port, `localhost:${dashboard.port}`, dashboard.token), 200)
      assert.equal(
        await statusWithHost(dashboard.port, `rebound.example:${dashboard.port}`, dashboard.token),
        403,
      )
    } finally {
      await dashboard.close()
      await rm(dir, { recursive: true, force: true })
    }
  },
})
