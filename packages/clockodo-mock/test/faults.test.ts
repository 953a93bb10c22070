import { afterEach, describe, expect, it, vi } from 'vitest'
import type { MockFaults } from '../src/index.ts'
import { BASE, get, HEADERS, mswServer, smallAccount } from './mock-fixture.ts'

const account = smallAccount()
const fixture = mswServer(account)
const use = (faults: MockFaults, extra: Record<string, unknown> = {}) =>
  fixture.use(account, { rateLimits: false, faults, ...extra })

afterEach(() => {
  vi.useRealTimers()
})

async function statuses(n: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((await get('/v3/teams')).status)
  return out
}

describe('fault injection', () => {
  it('errorRate 1 answers 500 with a GeneralErrors body', async () => {
    use({ errorRate: 1 })
    const res = await get('/v3/teams')
    expect(res.status).toBe(500)
    expect(res.body).toMatchObject({ errors: [{ type: 'server' }] })
  })

  it('errorRate is a seeded share: same seed, same sequence; about the given share', async () => {
    use({ errorRate: 0.3, seed: 42 })
    const a = await statuses(200)
    use({ errorRate: 0.3, seed: 42 })
    const b = await statuses(200)
    use({ errorRate: 0.3, seed: 43 })
    const c = await statuses(200)
    expect(a).toEqual(b)
    expect(c).not.toEqual(a)
    const errors = a.filter((s) => s === 500).length
    expect(errors).toBeGreaterThan(35)
    expect(errors).toBeLessThan(85)
  })

  it('resetRate 1 makes fetch fail with a network error', async () => {
    use({ resetRate: 1 })
    await expect(fetch(BASE + '/v3/teams', { headers: HEADERS })).rejects.toThrow(TypeError)
  })

  it('truncateRate 1 cuts the JSON body', async () => {
    const full = await get('/v3/users')
    use({ truncateRate: 1 })
    const res = await fetch(BASE + '/v3/users', { headers: HEADERS })
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text.length).toBeGreaterThan(0)
    expect(text.length).toBeLessThan(JSON.stringify(full.body).length)
    expect(() => JSON.parse(text)).toThrow()
  })

  it('burst429 answers the last `count` of every `every` requests with 429 and Retry-After', async () => {
    use({ burst429: { every: 5, count: 2, retryAfterSeconds: 7 } })
    expect(await statuses(10)).toEqual([200, 200, 200, 429, 429, 200, 200, 200, 429, 429])
    const res = await get('/v3/teams')
    expect(res.status).toBe(200)
    use({ burst429: { every: 2, count: 1, retryAfterSeconds: 7 } })
    await get('/v3/teams')
    const limited = await get('/v3/teams')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('7')
  })

  it('latencyMs delays every response (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    use({ latencyMs: 2000 })
    let done = false
    const pending = get('/v3/teams').then((r) => {
      done = true
      return r
    })
    await vi.advanceTimersByTimeAsync(1990)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(20)
    expect((await pending).status).toBe(200)
  })

  it('slowMs/slowRate answer late (slower than a client timeout)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    use({ slowMs: 60_000, slowRate: 1 })
    let done = false
    const pending = get('/v3/teams').then((r) => {
      done = true
      return r
    })
    await vi.advanceTimersByTimeAsync(59_000)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(1_100)
    expect((await pending).status).toBe(200)
  })

  it('no faults by default', async () => {
    expect(new Set(await statuses(50))).toEqual(new Set([200]))
  })
})

describe('cache', () => {
  it('answers a repeated URL from the stored bytes and refreshes after a mutation', async () => {
    const acc = smallAccount(2)
    fixture.use(acc, { rateLimits: false, cache: true })
    const spy = vi.spyOn(acc as unknown as { queryEntries: () => unknown }, 'queryEntries')
    const q = { time_since: '2026-02-02T00:00:00Z', time_until: '2026-02-03T00:00:00Z' }
    const first = await get('/v2/entries', q)
    const second = await get('/v2/entries', q)
    expect(spy).toHaveBeenCalledTimes(1)
    expect(second.body).toEqual(first.body)
    await get('/v2/entries', { ...q, page: 2 })
    expect(spy).toHaveBeenCalledTimes(2)
    const id = (first.body as { entries: { id: number }[] }).entries[0]!.id
    acc.editEntry(id, { text: 'neu' })
    const third = await get('/v2/entries', q)
    expect(spy).toHaveBeenCalledTimes(3)
    expect(
      (third.body as { entries: { id: number; text: string }[] }).entries.find((e) => e.id === id)?.text,
    ).toBe('neu')
  })
})
