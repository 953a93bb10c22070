import { describe, expect, it } from 'vitest'
import { createClockodoAccount } from './clockodo-account.ts'
import { DEFAULT_CREDENTIALS } from './mock-core.ts'
import { clockodoFetch } from './mock-fetch.ts'

const headers = {
  'X-ClockodoApiUser': DEFAULT_CREDENTIALS.user,
  'X-ClockodoApiKey': DEFAULT_CREDENTIALS.apiKey,
  'X-Clockodo-External-Application': 'test;ops@example.com',
}

describe('clockodoFetch', () => {
  const account = createClockodoAccount({
    seed: 2,
    users: 2,
    years: 1,
    entriesPerWorkday: 2,
    today: '2026-06-30',
  })
  const url = (enhanced: boolean) =>
    `http://clockodo.invalid/api/v2/entries?time_since=2026-01-01T00:00:00Z&time_until=2026-07-01T00:00:00Z&items_per_page=10${enhanced ? '&enhanced_list=1' : ''}`

  it('answers in this process, under the limits of its own clock', async () => {
    let now = Date.parse('2026-07-01T00:00:00Z')
    const fetch = clockodoFetch(account, { now: () => now, rateLimits: { enhancedPer15Minutes: 2 } })
    const plain = await fetch(url(false), { headers })
    expect(plain.status).toBe(200)
    const body = (await plain.json()) as {
      entries: Record<string, unknown>[]
      paging: { count_items: number }
    }
    expect(body.entries).toHaveLength(10)
    expect(body.entries[0]).not.toHaveProperty('users_name')
    expect((await fetch(url(true), { headers })).status).toBe(200)
    expect((await fetch(url(true), { headers })).status).toBe(200)
    const over = await fetch(url(true), { headers })
    expect(over.status).toBe(429)
    expect(over.headers.get('retry-after')).toBe('900')
    // plain lists are not under the enhanced limit; 15 minutes later enhanced ones pass again
    expect((await fetch(url(false), { headers })).status).toBe(200)
    now += 15 * 60_000
    const again = await fetch(url(true), { headers })
    expect(((await again.json()) as { entries: Record<string, unknown>[] }).entries[0]).toHaveProperty(
      'users_name',
    )
  })

  it('fails like an unreachable host outside /api/, and answers 401 without the key', async () => {
    const fetch = clockodoFetch(account)
    await expect(fetch('http://clockodo.invalid/other')).rejects.toThrow(TypeError)
    const res = await fetch(url(false), {
      headers: { 'X-Clockodo-External-Application': 'test;ops@example.com' },
    })
    expect(res.status).toBe(401)
  })
})
