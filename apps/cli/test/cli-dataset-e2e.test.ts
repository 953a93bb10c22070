import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readdir, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { duckdbQuery, runCli, tempDir } from './cli-helpers.ts'

// `npm run demo` into one directory, then everything from another one with no flags: the pipeline's record
// says where its data is. Local state lives in $HOME/.sluice/pipelines, shared by both directories (and by the
// library script, which reads the same default directory).
const here = dirname(fileURLToPath(import.meta.url))
/** The demo account's entries (DEMO_ACCOUNT: seed 42, 25 users, the 3 years up to its fixed day). */
const DEMO_ENTRIES = 76500

let home: string
let loadDir: string
let otherDir: string
const env = () => ({ HOME: home })
const from = (cwd: string, args: string[]) => runCli(args, { cwd, env: env() })
const db = () => join(loadDir, 'clockodo_demo.duckdb')

beforeAll(async () => {
  home = await tempDir('sluice-dataset-home-')
  loadDir = await tempDir('sluice-dataset-load-')
  otherDir = await tempDir('sluice-dataset-other-')
  const r = await from(loadDir, ['run', '--demo', '--progress', 'none'])
  if (r.code !== 0) throw new Error(r.stderr)
}, 180_000)

afterAll(async () => {
  for (const d of [home, loadDir, otherDir]) if (d) await rm(d, { recursive: true, force: true })
})

describe('a pipeline remembers its destination', () => {
  test('info from another directory shows the recorded destination and dataset', async () => {
    const r = await from(otherDir, ['pipeline', 'clockodo_demo', 'info', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const info = JSON.parse(r.stdout)
    expect(info.datasetName).toBe('clockodo_demo_data')
    expect(info.destination).toMatchObject({ name: 'duckdb', location: db() })
  })

  test('list (and -l) names the pipelines with where they load', async () => {
    for (const args of [
      ['pipeline', 'list'],
      ['pipeline', '-l'],
    ]) {
      const r = await from(otherDir, args)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain(`1 pipeline in ${join(home, '.sluice', 'pipelines')}`)
      expect(r.stdout).toMatch(
        new RegExp(`^clockodo_demo  duckdb ${db()} \\(dataset clockodo_demo_data, last run `, 'm'),
      )
    }
  })

  test('an unknown pipeline is a usage error listing the known ones', async () => {
    const r = await from(otherDir, ['pipeline', 'nosuch', 'info'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('there is no pipeline nosuch')
    expect(r.stderr).toContain('known pipelines: clockodo_demo (sluice pipeline list)')
  })

  test('sync from another directory restores from the recorded file and creates none there', async () => {
    const r = await from(otherDir, ['pipeline', 'clockodo_demo', 'sync'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('from duckdb (dataset clockodo_demo_data)')
    expect(await readdir(otherDir)).toEqual([])
  })

  test('a pipeline with its own name and dataset: info and sync need no --dataset', async () => {
    const shopDir = await tempDir('sluice-dataset-shop-')
    try {
      const r = await from(shopDir, [
        'run',
        '--demo',
        '--progress',
        'none',
        '--pipeline-name',
        'shop',
        '--dataset',
        'shop_dataset',
        '--resources',
        'users',
      ])
      expect(r.code, r.stderr).toBe(0)
      const info = JSON.parse((await from(otherDir, ['pipeline', 'shop', 'info', '--json'])).stdout)
      expect(info.datasetName).toBe('shop_dataset')
      const sync = await from(otherDir, ['pipeline', 'shop', 'sync'])
      expect(sync.code, sync.stderr).toBe(0)
      expect(sync.stdout).toContain('(dataset shop_dataset)')
      expect(existsSync(join(otherDir, 'shop.duckdb'))).toBe(false)
    } finally {
      await rm(shopDir, { recursive: true, force: true })
    }
  })
})

describe('--demo is a demo of the current directory', () => {
  test('it loads into ./clockodo_demo.duckdb here, not into the file the last demo recorded (even a deleted one)', async () => {
    const ownHome = await tempDir('sluice-demo-home-')
    const first = await tempDir('sluice-demo-first-')
    const second = await tempDir('sluice-demo-second-')
    const demo = (cwd: string) =>
      runCli(['run', '--demo', '--progress', 'none', '--resources', 'users'], { cwd, env: { HOME: ownHome } })
    try {
      expect((await demo(first)).code).toBe(0)
      await rm(first, { recursive: true, force: true })
      const r = await demo(second)
      expect(r.code, r.stderr).toBe(0)
      expect(existsSync(join(second, 'clockodo_demo.duckdb'))).toBe(true)
      expect(existsSync(first)).toBe(false)
    } finally {
      for (const d of [ownHome, first, second]) await rm(d, { recursive: true, force: true })
    }
  })
})

describe('sluice pipeline NAME query | tables | head', () => {
  test('from another directory, no flags: the demo has 76500 entries', async () => {
    const r = await from(otherDir, [
      'pipeline',
      'clockodo_demo',
      'query',
      'select count(*) as n from entries',
      '--format',
      'json',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual([{ n: DEMO_ENTRIES }])
    expect(await readdir(otherDir)).toEqual([])
  })

  test('a table, cut at --limit with a note; jsonl and csv', async () => {
    const table = await from(otherDir, [
      'pipeline',
      'clockodo_demo',
      'query',
      'select id, users_name from entries order by id',
      '--limit',
      '3',
    ])
    expect(table.code, table.stderr).toBe(0)
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^id\s+users_name$/)
    expect(lines).toHaveLength(6)
    expect(lines.at(-1)).toBe('(the first 3 rows; --limit N prints more, --limit 0 all)')
    const jsonl = await from(otherDir, [
      'pipeline',
      'clockodo_demo',
      'query',
      'select id from entries order by id',
      '--format',
      'jsonl',
      '--limit',
      '2',
    ])
    expect(
      jsonl.stdout
        .trimEnd()
        .split('\n')
        .map((l) => Object.keys(JSON.parse(l))),
    ).toEqual([['id'], ['id']])
    expect(jsonl.stderr).toContain('(the first 2 rows;')
    const csv = await from(otherDir, [
      'pipeline',
      'clockodo_demo',
      'query',
      "select 'a,b' as x, null as y",
      '--format',
      'csv',
    ])
    expect(csv.stdout).toBe('x,y\n"a,b",\n')
  })

  test('tables: row counts with child tables under their parent', async () => {
    const r = await from(otherDir, ['pipeline', 'clockodo_demo', 'tables'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`^entries\\s+${DEMO_ENTRIES}$`, 'm'))
    expect(r.stdout).toMatch(/^ {2}└ projects__service_assignments\s+\d+$/m)
  })

  test('head TABLE -n N', async () => {
    const r = await from(otherDir, [
      'pipeline',
      'clockodo_demo',
      'head',
      'Users',
      '-n',
      '2',
      '--format',
      'json',
    ])
    expect(r.code, r.stderr).toBe(0)
    const rows = JSON.parse(r.stdout)
    expect(rows).toHaveLength(2)
    expect(rows[0]).toHaveProperty('_sluice_id')
  })

  test('a statement that writes fails (exit 2) and changes nothing; so does a bad table name', async () => {
    const r = await from(otherDir, ['pipeline', 'clockodo_demo', 'query', 'delete from entries'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/read-only|statement of type DELETE/i)
    expect(Number((await duckdbQuery(db(), 'select count(*) from clockodo_demo_data.entries'))[0]![0])).toBe(
      DEMO_ENTRIES,
    )
    const bad = await from(otherDir, ['pipeline', 'clockodo_demo', 'head', 'entrys'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('did you mean "entries"')
  })

  test('a library script finds the dataset by the pipeline name alone', async () => {
    const [[usersId]] = (await duckdbQuery(
      db(),
      'select min(users_id)::INTEGER from clockodo_demo_data.entries',
    )) as [[number]]
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(
          process.execPath,
          [join(here, 'fixtures', 'dataset-script.mjs'), String(usersId)],
          {
            cwd: otherDir,
            env: { PATH: process.env.PATH ?? '', HOME: home },
          },
        )
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString()
        })
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString()
        })
        child.on('error', reject)
        child.on('close', (code) => resolve({ code, stdout, stderr }))
      },
    )
    expect(out.code, out.stderr).toBe(0)
    const rows = JSON.parse(out.stdout)
    expect(rows).toHaveLength(5)
    for (const row of rows) {
      expect(row.users_id).toBe(usersId)
      expect(typeof row.id).toBe('number')
      expect(row.time_since).toMatch(/^\d{4}-\d\d-\d\dT/)
    }
  })
})
