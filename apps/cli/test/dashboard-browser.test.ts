// The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core): the demo account
// loaded by `sluice run --demo`, served by `sluice pipeline clockodo_demo show --no-open`, every section
// checked against what the dataset API answers, a query from the SQL box, the schema diagram, and a failing run
// that shows in the header without a reload. Screenshots of each section go to .artifacts/dashboard/.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { openPipeline } from '@sluice/core/node'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { BIN, runCli, tempDir } from './cli-helpers.ts'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = join(import.meta.dirname, '..', '.artifacts', 'dashboard')
// a secret the failing run is given: no page may show it
const SECRET = 'sk-DASHBOARD-SECRET-5150'
const PIPELINE = 'clockodo_demo'

const hasChromium = existsSync(CHROMIUM)
if (!hasChromium)
  console.warn(`[dashboard-browser] skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`)

let cwd: string
let env: Record<string, string>
let server: ChildProcess
let url: string
let context: BrowserContext
let page: Page

const importer = (s: string) => import(s)
const dataset = async () =>
  (await openPipeline(PIPELINE, { pipelinesDir: env.SLUICE_PIPELINES_DIR!, importer })).dataset()

/** Starts `sluice pipeline NAME show --no-open` and resolves with the URL it prints. */
function show(): Promise<string> {
  server = spawn(process.execPath, [BIN, 'pipeline', PIPELINE, 'show', '--no-open'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = out.match(/http:\/\/\S+\?token=\w+/)
      if (m) resolve(m[0])
    })
    server.stderr!.on('data', (d: Buffer) => {
      err += d.toString()
    })
    server.on('close', (code) => reject(new Error(`sluice pipeline show ended (${code}): ${err}`)))
  })
}

async function shot(name: string, selector?: string): Promise<void> {
  const path = join(ARTIFACTS, `${name}.png`)
  if (selector) await page.locator(selector).screenshot({ path })
  else await page.screenshot({ path, fullPage: false })
}

describe.skipIf(!hasChromium)('the dashboard in Chromium', () => {
  beforeAll(async () => {
    cwd = await tempDir('sluice-dashboard-browser-')
    env = { SLUICE_PIPELINES_DIR: join(cwd, 'pipelines'), SOURCES__CLOCKODO__API_KEY: SECRET }
    await mkdir(ARTIFACTS, { recursive: true })
    const demo = await runCli(['run', '--demo', '--progress', 'none'], { cwd, env })
    if (demo.code !== 0) throw new Error(demo.stderr)
    url = await show()
    context = await chromium.launchPersistentContext(join(cwd, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1400, height: 900 },
    })
    page = context.pages()[0] ?? (await context.newPage())
    await page.goto(url)
    await page.getByTestId('section-header').waitFor()
  }, 240_000)

  afterAll(async () => {
    await context?.close()
    server?.kill('SIGINT')
    if (cwd) await rm(cwd, { recursive: true, force: true })
  })

  test('the token leaves the address bar; the header shows the destination and the last run', async () => {
    expect(page.url()).not.toContain('token=')
    expect(page.url()).toMatch(/\/pipelines\/clockodo_demo$/)
    await expect.poll(() => page.getByTestId('pipeline-name').textContent()).toBe(PIPELINE)
    expect(await page.getByTestId('destination').textContent()).toBe('duckdb')
    expect(await page.getByTestId('location').textContent()).toBe(join(cwd, 'clockodo_demo.duckdb'))
    expect(await page.getByTestId('dataset').textContent()).toBe('clockodo_demo_data')
    expect(await page.getByTestId('run-status').textContent()).toBe('succeeded')
    const steps = await page
      .locator('[data-testid=timeline] .seg')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-step')))
    expect(steps).toEqual(['extract', 'normalize', 'load'])
    expect(await page.locator('[data-testid=package-badges] [data-state=loaded]').count()).toBe(1)
    await shot('header', '[data-testid=section-header]')
  })

  test('data: row counts as the dataset API counts them, a table page, the SQL box and its history', async () => {
    await using ds = await dataset()
    const counts = await ds.rowCounts()
    const rows = page.locator('[data-testid=row-counts-table] tbody tr')
    await expect.poll(() => rows.count()).toBe(counts.length)
    const entries = counts.find((c) => c.table === 'entries')!.rows
    expect(entries).toBe(76_500)
    const shown = await rows.evaluateAll((trs) =>
      trs.map((tr) => [...tr.children].map((td) => td.textContent)),
    )
    expect(shown).toEqual(counts.map((c) => [c.table, c.rows.toLocaleString('en-US')]))

    await page.locator('[data-testid=row-counts-table] a[data-table=users]').click()
    const users = counts.find((c) => c.table === 'users')!.rows
    await expect
      .poll(() => page.locator('[data-testid=table-rows] tbody tr').count())
      .toBe(Math.min(users, 50))

    await page.getByTestId('sql').fill('select count(*) as n from entries where duration > 3600')
    await page.getByTestId('run-sql').click()
    const long = Number(await ds.query('select count(*) as n from entries where duration > 3600').scalar())
    await expect
      .poll(() => page.locator('[data-testid=sql-rows] tbody td').first().textContent())
      .toBe(long.toLocaleString('en-US'))
    // the reader refuses anything that writes: the error shows, the table keeps its rows
    await page.getByTestId('sql').fill('delete from entries')
    await page.getByTestId('run-sql').click()
    await expect.poll(() => page.getByTestId('sql-error').isVisible()).toBe(true)
    expect(await page.getByTestId('sql-error').textContent()).toMatch(/READ_ONLY|QUERY_FAILED/)
    expect((await ds.rowCounts({ tables: ['entries'] }))[0]!.rows).toBe(entries)
    expect(await page.locator('[data-testid=sql-history] li').count()).toBe(2)
    await shot('data', '#data')
  })

  test('schema: tables as a tree with hints, and the diagram drawn as SVG', async () => {
    await using ds = await dataset()
    const schema = await ds.schema()
    const tables = Object.values(schema.tables)
    expect(await page.locator('#schema details.table').count()).toBe(tables.length)
    await page.locator('#schema details.table[data-table=entries] > summary').click()
    expect(await page.locator('#schema details.table[data-table=entries]').textContent()).toContain(
      'primary key',
    )
    await page.getByTestId('show-diagram').click()
    const diagram = page.getByTestId('schema-diagram')
    await diagram.waitFor()
    expect(await diagram.locator('g.node').count()).toBe(tables.length)
    expect(await diagram.locator('path.link').count()).toBe(tables.filter((t) => t.parent).length)
    expect(await diagram.locator('[data-link="projects>projects__service_assignments"]').count()).toBe(1)
    await shot('schema-diagram', '[data-testid=diagram-box]')
  })

  test('state, trace and loads', async () => {
    expect(await page.getByTestId('cursors').textContent()).toContain('entries')
    const steps = await page.locator('[data-testid=trace-steps] tbody tr td:first-child').allTextContents()
    expect(steps).toEqual(['restore', 'extract', 'normalize', 'load'])
    // the demo account has no rate limits and no faults: nothing waited
    expect(await page.getByTestId('trace-waits').textContent()).toBe('no retries or rate-limit waits')
    await using ds = await dataset()
    const [loadId] = await ds.loadIds()
    const load = page.locator(`[data-testid=loads-table] a[data-load="${loadId}"]`)
    await load.waitFor()
    await load.click()
    const perLoad = await ds.rowCounts({ loadId: loadId! })
    const entries = perLoad.find((c) => c.table === 'entries')!.rows
    await expect
      .poll(() => page.getByTestId('load-detail').textContent())
      .toContain(entries.toLocaleString('en-US'))
    const total = perLoad.reduce((a, c) => a + c.rows, 0)
    expect(await page.locator('[data-testid=rows-per-run] g.bar').getAttribute('data-total')).toBe(
      String(total),
    )
    await shot('loads', '#loads')
  })

  test('hours per user and project over the last 8 weeks, as the entries add up', async () => {
    await page.getByTestId('hours-total').waitFor()
    await using ds = await dataset()
    const newest = (await ds.table('entries').max('time_since').scalar()) as Date
    const monday = new Date(Date.UTC(newest.getUTCFullYear(), newest.getUTCMonth(), newest.getUTCDate()))
    monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7) - 7 * 7)
    const seconds = Number(
      await ds
        .query(`select sum(duration) from entries where time_since >= '${monday.toISOString()}'::timestamp`)
        .scalar(),
    )
    const text = await page.getByTestId('hours-total').textContent()
    expect(text).toContain(`${Math.round(seconds / 3600).toLocaleString('en-US')} hours`)
    expect(await page.locator('[data-testid=hours-users] g.bar').count()).toBe(8)
    expect(await page.locator('[data-testid=hours-projects] g.bar').count()).toBe(8)
    await page.locator('#hours').scrollIntoViewIfNeeded()
    await shot('hours', '#hours')
  })

  test('a failing run shows its error in the header without a reload, and no page shows a secret', async () => {
    const failed = await runCli(['run', '--progress', 'none', '--pipeline-name', PIPELINE], {
      cwd,
      env: {
        ...env,
        SOURCES__CLOCKODO__API_USER: 'owner@example.com',
        SOURCES__CLOCKODO__BASE_URL: 'http://127.0.0.1:9',
        SOURCES__CLOCKODO__MAX_ATTEMPTS: '1',
      },
    })
    expect(failed.code).toBe(1)
    await page.getByTestId('run-error').waitFor({ timeout: 20_000 })
    expect(await page.getByTestId('run-status').textContent()).toBe('failed')
    expect(await page.getByTestId('run-error-message').textContent()).not.toBe('')
    expect(await page.getByTestId('run-error-code').textContent()).toMatch(/^[A-Z][A-Z_]+$/)
    // the stack is folded: a closed <details> whose text starts with the error and lists call frames
    const stack = page.getByTestId('run-error-stack')
    expect(await stack.getAttribute('open')).toBeNull()
    expect(await stack.locator('pre').textContent()).toMatch(/^SluiceError: .+\n\s+at \S/)
    await shot('failed-run', '[data-testid=section-header]')
    expect(await page.content()).not.toContain(SECRET)
    await page.goto(url.replace(/\/pipelines\/.*/, '/'))
    await page.getByTestId('pipelines').waitFor()
    expect(await page.locator('[data-testid=pipelines] a[data-pipeline]').allTextContents()).toEqual([
      PIPELINE,
    ])
    expect(await page.content()).not.toContain(SECRET)
    await shot('home')
  })
})
