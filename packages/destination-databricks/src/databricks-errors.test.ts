import { describe, expect, it } from 'vitest'
import { DatabricksApiError, mapDatabricksError } from './databricks-errors.ts'

const ctx = { host: 'dbc-1.cloud.databricks.com', action: 'COPY INTO `ds_staging`.`t`' }
const map = (
  error: unknown,
  extra: Partial<typeof ctx> & { repeatable?: boolean; secrets?: string[] } = {},
) => mapDatabricksError(error, { ...ctx, ...extra })

describe('databricks errors', () => {
  it('maps each failure to a code, a hint and whether a retry helps', () => {
    const cases: [unknown, string, boolean, RegExp][] = [
      [
        new DatabricksApiError('Invalid access token.', { status: 401 }),
        'DESTINATION_AUTH',
        false,
        /access_token/,
      ],
      [
        new DatabricksApiError('User does not have CAN USE on warehouse', {
          status: 403,
          errorCode: 'PERMISSION_DENIED',
        }),
        'DESTINATION_PERMISSION',
        false,
        /CAN USE on the SQL warehouse/,
      ],
      [
        new DatabricksApiError('[INSUFFICIENT_PERMISSIONS] no MODIFY', {
          errorCode: 'BAD_REQUEST',
          sqlState: '42501',
        }),
        'DESTINATION_PERMISSION',
        false,
        /grant/,
      ],
      [
        new DatabricksApiError("[NO_SUCH_CATALOG_EXCEPTION] Catalog 'x' was not found."),
        'DESTINATION_DATABASE_MISSING',
        false,
        /check catalog/,
      ],
      [
        new DatabricksApiError('SQL warehouse w does not exist.', {
          status: 404,
          errorCode: 'RESOURCE_DOES_NOT_EXIST',
        }),
        'DESTINATION_DATABASE_MISSING',
        false,
        /check http_path/,
      ],
      [
        new DatabricksApiError('The volume main.s.v does not exist.', {
          status: 404,
          errorCode: 'NOT_FOUND',
        }),
        'DESTINATION_DATABASE_MISSING',
        false,
        /check staging_volume_name/,
      ],
      [
        new DatabricksApiError('[DELTA_CONCURRENT_APPEND] ConcurrentAppendException'),
        'DESTINATION_TRANSIENT',
        true,
        /did not commit/,
      ],
      [new DatabricksApiError('slow down', { status: 429 }), 'DESTINATION_TRANSIENT', true, /retried/],
      [
        new DatabricksApiError('starting', { errorCode: 'TEMPORARILY_UNAVAILABLE' }),
        'DESTINATION_TRANSIENT',
        true,
        /starting/,
      ],
      [
        new DatabricksApiError('[CAST_INVALID_INPUT] bad', { sqlState: '22018' }),
        'DESTINATION_DATA',
        false,
        /names the column/,
      ],
      [
        new DatabricksApiError('stopped', { errorCode: 'CANCELED' }),
        'DESTINATION_QUERY',
        false,
        /canceled outside sluice/,
      ],
      [
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
        }),
        'DESTINATION_CONNECT',
        true,
        /server_hostname/,
      ],
    ]
    for (const [error, code, transient, hint] of cases) {
      const e = map(error)
      expect(e.code, String(error)).toBe(code)
      expect(e.transient, String(error)).toBe(transient)
      expect(e.message, String(error)).toMatch(hint)
    }
  })

  it('an answer lost for a statement that must not run twice is not transient', () => {
    expect(map(new TypeError('fetch failed'), { repeatable: false }).transient).toBe(false)
    expect(map(new DatabricksApiError('oops', { status: 502 }), { repeatable: false }).transient).toBe(false)
    expect(map(new DatabricksApiError('oops', { status: 502 })).transient).toBe(true)
  })

  it('masks secrets in the message and in the cause it keeps', () => {
    const e = map(new DatabricksApiError("[PARSE_SYNTAX_ERROR] near AWS_SECRET_KEY = 'very-secret-key'"), {
      secrets: ['very-secret-key'],
    })
    expect(e.message).not.toContain('very-secret-key')
    expect(String((e.cause as Error).message)).not.toContain('very-secret-key')
    expect(e.message).toContain('***')
  })
})
