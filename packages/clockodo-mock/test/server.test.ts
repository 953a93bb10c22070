import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClockodoAccount, DEFAULT_CREDENTIALS, startClockodoMock } from '../src/index.ts'
import { HEADERS, TODAY } from './mock-fixture.ts'

const PKG = fileURLToPath(new URL('..', import.meta.url))
const BIN = fileURLToPath(new URL('../dist/clockodo-mock-bin.js', import.meta.url))
const Q = 'time_since=2026-02-01T00:00:00Z&time_until=2026-03-01T00:00:00Z'

describe('startClockodoMock (real HTTP on 127.0.0.1)', () => {
  let mock: Awaited<ReturnType<typeof startClockodoMock>>
  beforeAll(async () => {
    mock = await startClockodoMock({ seed: 3, size: { users: 5, years: 2 }, today: TODAY, rateLimits: false })
  })
  afterAll(() => mock.close())

  it('serves entries with paging under <baseUrl>/v2/entries', async () => {
    expect(mock.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/)
    const ids: number[] = []
    let count = 0
    for (let page = 1; ; page++) {
      const res = await fetch(`${mock.baseUrl}/v2/entries?${Q}&items_per_page=100&page=${page}`, {
        headers: HEADERS,
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('application/json')
      const body = (await res.json()) as {
        paging: { count_pages: number; count_items: number }
        entries: { id: number }[]
      }
      ids.push(...body.entries.map((e) => e.id))
      count = body.paging.count_items
      if (page >= body.paging.count_pages) break
    }
    expect(ids.length).toBe(count)
    expect(new Set(ids).size).toBe(count)
    expect(count).toBe(
      [...mock.account.entriesBetween('2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')].length,
    )
  })

  it('401 without credentials, 410 on /v2/customers, 404 outside /api', async () => {
    const noAuth = await fetch(`${mock.baseUrl}/v2/entries?${Q}`, {
      headers: { 'X-Clockodo-External-Application': 'a;b@c.de' },
    })
    expect(noAuth.status).toBe(401)
    expect(await noAuth.json()).toEqual({
      errors: [{ type: 'authentication', message: 'Authentication failed', details: null, path: null }],
    })
    expect((await fetch(`${mock.baseUrl}/v2/customers`, { headers: HEADERS })).status).toBe(410)
    expect(
      (await fetch(mock.baseUrl.replace(/\/api$/, '') + '/v2/entries?' + Q, { headers: HEADERS })).status,
    ).toBe(404)
  })

  it('resets connections and truncates bodies for real', async () => {
    const account = createClockodoAccount({ users: 3, years: 1, today: TODAY })
    const resetting = await startClockodoMock({ account, faults: { resetRate: 1 } })
    const truncating = await startClockodoMock({ account, faults: { truncateRate: 1 } })
    try {
      await expect(fetch(`${resetting.baseUrl}/v3/users`, { headers: HEADERS })).rejects.toThrow()
      const res = await fetch(`${truncating.baseUrl}/v3/users`, { headers: HEADERS })
      expect(res.status).toBe(200)
      await expect(res.text()).rejects.toThrow()
    } finally {
      await resetting.close()
      await truncating.close()
    }
  })

  it('cache: repeated URLs get identical bytes', async () => {
    const cached = await startClockodoMock({
      seed: 9,
      size: { users: 2, years: 1 },
      today: TODAY,
      cache: true,
    })
    try {
      const url = `${cached.baseUrl}/v2/entries?${Q}&enhanced_list=1`
      const a = await (await fetch(url, { headers: HEADERS })).text()
      const b = await (await fetch(url, { headers: HEADERS })).text()
      expect(b).toBe(a)
      expect(JSON.parse(a).entries.length).toBeGreaterThan(0)
    } finally {
      await cached.close()
    }
  })
})

describe('@sluice/clockodo-mock/server', () => {
  it('does not load msw (it would keep Deno alive): its import graph is msw-free', () => {
    const seen = new Set<string>()
    const visit = (file: string): void => {
      if (seen.has(file)) return
      seen.add(file)
      const src = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8')
      expect(src).not.toMatch(/from '(msw|@mswjs)/)
      for (const m of src.matchAll(/from '\.\/([\w-]+\.ts)'/g)) visit(m[1]!)
    }
    visit('mock-server.ts')
    visit('clockodo-mock-bin.ts')
    expect(seen.has('mock-core.ts')).toBe(true)
    expect(seen.has('mock-handlers.ts')).toBe(false)
  })
})

describe('clockodo-mock bin', () => {
  let child: ChildProcess
  let baseUrl = ''
  beforeAll(async () => {
    if (!existsSync(BIN))
      execFileSync(
        process.execPath,
        [
          fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url)),
          '-p',
          'tsconfig.build.json',
        ],
        { cwd: PKG },
      )
    child = spawn(process.execPath, [BIN, '--port', '0', '--seed', '2', '--users', '4', '--years', '1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    baseUrl = await new Promise<string>((resolve, reject) => {
      let buf = ''
      child.stdout!.on('data', (chunk: Buffer) => {
        buf += chunk.toString()
        const nl = buf.indexOf('\n')
        if (nl >= 0) resolve(buf.slice(0, nl))
      })
      child.once('exit', (code) => reject(new Error(`bin exited with ${code}`)))
    })
  }, 30_000)
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  })

  it('prints its base URL first and answers GET /api/v2/entries with paging', async () => {
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/)
    const now = new Date()
    const since = new Date(now.getTime() - 14 * 86_400_000).toISOString().slice(0, 19) + 'Z'
    const until = now.toISOString().slice(0, 19) + 'Z'
    const res = await fetch(
      `${baseUrl}/v2/entries?time_since=${since}&time_until=${until}&items_per_page=10`,
      { headers: HEADERS },
    )
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      paging: { items_per_page: number; current_page: number; count_pages: number; count_items: number }
      entries: unknown[]
    }
    expect(body.paging.items_per_page).toBe(10)
    expect(body.paging.current_page).toBe(1)
    expect(body.paging.count_items).toBeGreaterThan(0)
    expect(body.paging.count_pages).toBe(Math.ceil(body.paging.count_items / 10))
    expect(body.entries).toHaveLength(Math.min(10, body.paging.count_items))
  })

  it('401 without credentials and 410 on /api/v2/customers', async () => {
    const app = { 'X-Clockodo-External-Application': 'a;b@c.de' }
    expect((await fetch(`${baseUrl}/v2/entries?${Q}`, { headers: app })).status).toBe(401)
    const basic =
      'Basic ' + Buffer.from(`${DEFAULT_CREDENTIALS.user}:${DEFAULT_CREDENTIALS.apiKey}`).toString('base64')
    expect(
      (await fetch(`${baseUrl}/v2/customers`, { headers: { ...app, Authorization: basic } })).status,
    ).toBe(410)
  })

  it('stops on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
