import { createClockodoAccount, DEFAULT_CREDENTIALS } from '@sluice/clockodo-mock'
import { clockodoHandlers } from '@sluice/clockodo-mock/msw'
import { createNormalizer } from '@sluice/core/testing'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLOCKODO_ENDPOINTS, clockodoSource } from '../src/index.ts'
import { manualClock, resourceOf, runResource } from './helpers.ts'

const BASE = 'http://127.0.0.1:9/api'
const TODAY = '2026-11-20'
const NOW = new Date(`${TODAY}T18:00:00Z`)
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterAll(() => server.close())

/** The value at `a__b` (field `b` of object `a`) of a row. */
function at(row: Record<string, unknown>, path: string): unknown {
  let v: unknown = row
  for (const key of path.split('__'))
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined
  return v
}

describe('number columns', () => {
  it('types the fractional fields double from the first row: no bigint column, no __v_double variant', async () => {
    const account = createClockodoAccount({
      seed: 11,
      users: 5,
      years: 2,
      entriesPerWorkday: 3,
      today: TODAY,
    })
    server.use(...clockodoHandlers(account))
    const clock = manualClock(NOW.getTime())
    const source = clockodoSource(
      {
        apiUser: DEFAULT_CREDENTIALS.user,
        apiKey: DEFAULT_CREDENTIALS.apiKey,
        baseUrl: BASE,
        now: () => NOW,
        enhancedList: 'always',
      },
      { clock },
    )
    const hinted = CLOCKODO_ENDPOINTS.filter((e) => (e.doubles ?? []).length > 0).map((e) => e.name)
    expect(hinted).toEqual(
      expect.arrayContaining(['entries', 'projects', 'lumpsum_services', 'user_reports']),
    )
    for (const endpoint of CLOCKODO_ENDPOINTS) {
      const resource = resourceOf(source, endpoint.name)
      const { rows } = await clock.run(runResource(resource))
      const normalizer = createNormalizer(undefined, { schemaName: 'clockodo', initialTables: [] })
      normalizer.registerResource({
        resource: resource.name,
        writeDisposition: 'append',
        columns: resource.columns,
      })
      normalizer.normalizePage(resource.name, rows, 'load1')
      const columns = normalizer.schema.tables[endpoint.name]?.columns ?? []
      const typeOf = (name: string) => columns.find((c) => c.name === name)?.dataType
      expect({
        table: endpoint.name,
        variants: columns.filter((c) => c.name.endsWith('__v_double')).map((c) => c.name),
      }).toEqual({ table: endpoint.name, variants: [] })
      for (const field of endpoint.doubles ?? []) {
        expect({ table: endpoint.name, field, type: typeOf(field) }).toEqual({
          table: endpoint.name,
          field,
          type: 'double',
        })
        // a misspelled field would make an empty column: each one is in the simulated account's rows
        expect({
          table: endpoint.name,
          field,
          present: rows.some((r) => at(r, field) !== undefined),
        }).toEqual({
          table: endpoint.name,
          field,
          present: true,
        })
      }
    }
  })
})
