import type { RunningClockodoMock } from '@sluice/clockodo-mock'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { type FrontServer, runCli, type SeenRequest, startFrontServer, tempDir } from '../src/index.ts'
import { API_KEY, API_USER, cliEnv, startMock } from './helpers.ts'

// The Clockodo API user and key go only to the base URL's origin. The base URL is a server on 127.0.0.1 in front
// of the simulated account; it redirects one route (302 or 307) to a second server on another port (another
// origin), which forwards to the account. The CLI follows the redirect without the credentials, on the main thread
// (customers; entries with --page-workers 0) and on page workers (entries, fetched there with node:http): the other
// origin never sees them, and the run fails saying why (the account refuses requests without a key).

let mock: RunningClockodoMock
let api: FrontServer
let other: FrontServer
/** Routes that `api` redirects to `other`, with the status. */
const redirects = new Map<string, number>()

beforeAll(async () => {
  mock = await startMock()
  other = await startFrontServer(mock.baseUrl, () => false)
  api = await startFrontServer(mock.baseUrl, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const status = redirects.get(path)
    if (status === undefined) return false
    res.writeHead(status, { location: `${other.origin}${req.url}`, 'content-length': '0' }).end()
    return true
  })
})
afterAll(async () => {
  await api?.close()
  await other?.close()
  await mock?.close()
})
beforeEach(() => {
  redirects.clear()
  api.seen.length = 0
  other.seen.length = 0
})

const credentials = (r: SeenRequest): string[] => [API_KEY, API_USER].filter((c) => r.raw.includes(c))

describe('the API key and user stay at the base URL origin', () => {
  test.each([
    ['customers', '/api/v3/customers', 302, '0'],
    ['customers', '/api/v3/customers', 307, '0'],
    ['entries', '/api/v2/entries', 302, '0'],
    ['entries', '/api/v2/entries', 307, '1'],
    ['entries', '/api/v2/entries', 302, '2'],
  ])(
    '%s redirected to another origin (%s, HTTP %i, --page-workers %s)',
    async (resource, path, status, workers) => {
      redirects.set(path, status)
      const cwd = await tempDir('sluice-faults-credentials-')
      const r = await runCli(
        ['run', '--progress', 'log', '--resources', resource, '--page-workers', workers],
        { cwd, env: cliEnv(cwd, `${api.origin}/api`) },
      )
      const output = `${r.stdout}${r.stderr}`
      expect(r.code, output).toBe(1)
      // the redirect was followed ...
      const redirected = other.seen.filter((s) => s.url.startsWith(path))
      expect(redirected.length).toBeGreaterThan(0)
      // ... without the user or the key; the base URL got both
      for (const s of other.seen) expect(credentials(s), s.raw).toEqual([])
      expect(api.seen.some((s) => credentials(s).length === 2)).toBe(true)
      // on the path under test: fetch sends sec-fetch-mode, the page workers' node:http request does not
      const onWorkers = resource === 'entries' && workers !== '0'
      expect(redirected.every((s) => (s.headers['sec-fetch-mode'] === undefined) === onWorkers)).toBe(true)
      // the message says what happened and what to set, and never shows the key
      expect(output).toContain(`(redirected to ${other.origin}${path}`)
      expect(output).toContain(
        `Clockodo redirected to ${other.origin}, which gets no API user or key from sluice`,
      )
      expect(output).toContain('SOURCES__CLOCKODO__BASE_URL')
      expect(output).not.toContain('the credentials were rejected')
      expect(output).not.toContain(API_KEY)
    },
  )
})
