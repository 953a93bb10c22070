import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunningClockodoMock } from '@sluice/clockodo-mock'
import { afterAll, beforeAll, expect, inject, test } from 'vitest'
import {
  type CountingProxy,
  postgresChecksums,
  runCli,
  startCountingProxy,
  startPostgres,
  stopPostgres,
  tempDir,
} from '../src/index.ts'
import { API_KEY, cliEnv, postgresUrl, startMock } from './helpers.ts'

// PostgreSQL stopped (pg_ctl stop -m immediate) in the middle of a load: the run fails with a clear error and
// keeps the package; with the server back, the rerun loads that package from disk without fetching entries
// again and the dataset equals a clean run's.
let mock: RunningClockodoMock
let proxy: CountingProxy
let stopped = false

beforeAll(async () => {
  mock = await startMock()
  proxy = await startCountingProxy(mock.baseUrl)
})

afterAll(async () => {
  if (stopped) await startPostgres(inject('postgresServer'))
  await proxy?.close()
  await mock?.close()
})

async function packageStates(pipelinesDir: string, pipeline: string): Promise<string[]> {
  const dir = join(pipelinesDir, pipeline, 'packages')
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const id of (await readdir(dir)).sort()) {
    const m = JSON.parse(await readFile(join(dir, id, 'package.json'), 'utf8')) as { state: string }
    out.push(m.state)
  }
  return out
}

test('a PostgreSQL outage mid-load fails clearly, keeps the package, and the rerun completes it without fetching', async () => {
  const url = postgresUrl()
  const server = inject('postgresServer')
  const args = (name: string) => [
    'run',
    '--progress',
    'log',
    '--destination',
    'postgres',
    '--pipeline-name',
    name,
    '--dataset',
    name,
  ]

  const cleanDir = await tempDir('sluice-faults-outage-clean-')
  const cleanRun = await runCli(args('outage_clean'), {
    cwd: cleanDir,
    env: cliEnv(cleanDir, mock.baseUrl, { DESTINATION__POSTGRES__CREDENTIALS: url }),
  })
  expect(cleanRun.code, cleanRun.stderr).toBe(0)
  const clean = await postgresChecksums(url, 'outage_clean')

  const cwd = await tempDir('sluice-faults-outage-')
  const env = cliEnv(cwd, proxy.baseUrl, { DESTINATION__POSTGRES__CREDENTIALS: url })
  let stopping: Promise<void> | undefined
  const failed = await runCli(args('outage'), {
    cwd,
    env,
    onStderr: (stderr, pid) => {
      if (!stopping && pid && /load entries: end/.test(stderr)) {
        // pause the CLI while the server goes down, so the outage surely lands before the load ends
        process.kill(pid, 'SIGSTOP')
        stopped = true
        stopping = stopPostgres(server).finally(() => process.kill(pid, 'SIGCONT'))
      }
    },
  })
  await stopping
  expect(stopping, 'the load never started').toBeDefined()
  expect(failed.code, failed.stderr).toBe(1)
  const message = failed.stderr.split('\n').find((l) => l.startsWith('[sluice]')) ?? ''
  expect(message).toMatch(/postgres/i)
  expect(message).toMatch(/run again|resume/i)
  expect(`${failed.stdout}${failed.stderr}`).not.toContain(API_KEY)
  expect(`${failed.stdout}${failed.stderr}`).not.toContain(inject('postgresPassword'))
  expect(await packageStates(env.SLUICE_PIPELINES_DIR!, 'outage')).toEqual(['normalized'])

  await startPostgres(server)
  stopped = false
  const entriesBefore = proxy.count('/v2/entries')
  expect(entriesBefore).toBeGreaterThan(0)
  // only users are extracted anew: every entry must come from the pending package on disk
  const rerun = await runCli([...args('outage'), '--resources', 'users'], { cwd, env })
  expect(rerun.code, rerun.stderr).toBe(0)
  expect(rerun.stderr).toMatch(/resuming pending load package \S+ \(normalized\) without fetching again/)
  expect(proxy.count('/v2/entries')).toBe(entriesBefore)
  expect(await packageStates(env.SLUICE_PIPELINES_DIR!, 'outage')).toEqual(['loaded', 'loaded'])
  expect(await postgresChecksums(url, 'outage')).toEqual(clean)
})
