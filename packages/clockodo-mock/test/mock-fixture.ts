import { type SetupServer, setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll } from 'vitest'
import {
  type ClockodoAccount,
  createClockodoAccount,
  DEFAULT_CREDENTIALS,
  type MockOptions,
} from '../src/index.ts'
import { clockodoHandlers } from '../src/mock-handlers.ts'

/** Base URL the msw handlers are reached under in tests (never leaves the process). */
export const BASE = 'https://clockodo.test/api'
/** A fixed "today" so results do not depend on the date the tests run. */
export const TODAY = '2026-03-12'

/** Headers of a correct request. */
export const HEADERS: Record<string, string> = {
  'X-Clockodo-External-Application': 'sluice-tests;dev@sluice.dev',
  'X-ClockodoApiUser': DEFAULT_CREDENTIALS.user,
  'X-ClockodoApiKey': DEFAULT_CREDENTIALS.apiKey,
}

/** A small account: 6 users, 3 years (2024-2026), 4 entries per workday. */
export function smallAccount(seed = 1): ClockodoAccount {
  return createClockodoAccount({ seed, users: 6, years: 3, entriesPerWorkday: 4, today: TODAY })
}

/** Starts an msw server (onUnhandledRequest: 'error') whose handlers can be swapped per test with `use`. */
/** The msw server of a test file and a way to swap its handlers. */
export interface MswFixture {
  server: SetupServer
  use(acc: ClockodoAccount, opts: MockOptions): void
}

export function mswServer(
  account: ClockodoAccount,
  options: MockOptions = { rateLimits: false },
): MswFixture {
  const server = setupServer(...clockodoHandlers(account, options))
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => server.resetHandlers())
  afterAll(() => server.close())
  return {
    server,
    /** Replaces the handlers for the rest of the current test. */
    use(acc: ClockodoAccount, opts: MockOptions): void {
      server.use(...clockodoHandlers(acc, opts))
    },
  }
}

/** GET BASE+path with query params and the standard headers (override with `headers`). */
export async function get(
  path: string,
  query: Record<string, string | number> = {},
  headers: Record<string, string> = HEADERS,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const url = new URL(BASE + path)
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v))
  const res = await fetch(url, { headers })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // non-JSON bodies are returned as text
  }
  return { status: res.status, body, headers: res.headers }
}

export type Paging = {
  items_per_page: number
  current_page: number
  count_pages: number
  count_items: number
}
type Paged = {
  paging: { items_per_page: number; current_page: number; count_pages: number; count_items: number }
} & Record<string, unknown>

/** Reads every page of a paged endpoint; returns the items and the paging blocks seen. */
export async function getAllPages(
  path: string,
  key: string,
  query: Record<string, string | number>,
  ipp: number,
): Promise<{ items: Record<string, unknown>[]; pagings: Paging[] }> {
  const items: Record<string, unknown>[] = []
  const pagings: Paged['paging'][] = []
  for (let page = 1; ; page++) {
    const { status, body } = await get(path, { ...query, page, items_per_page: ipp })
    if (status !== 200) throw new Error(`${path} page ${page}: ${status} ${JSON.stringify(body)}`)
    const b = body as Paged
    pagings.push(b.paging)
    items.push(...(b[key] as Record<string, unknown>[]))
    if (page >= b.paging.count_pages) break
  }
  return { items, pagings }
}
