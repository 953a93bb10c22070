import { describe, expect, it } from 'vitest'
import { mapBigQueryError } from './bigquery-errors.ts'

const ctx = { projectId: 'proj', location: 'EU', principal: 'sa@proj.iam', action: 'query' }

describe('mapBigQueryError', () => {
  it.each([
    [
      { code: 401, message: 'Request had invalid authentication credentials.' },
      'DESTINATION_AUTH',
      /client_email and private_key/,
    ],
    [{ message: 'invalid_grant: Invalid JWT Signature.' }, 'DESTINATION_AUTH', /client_email/],
    [
      { code: 403, errors: [{ reason: 'accessDenied' }], message: 'Access Denied' },
      'DESTINATION_PERMISSION',
      /BigQuery Data Editor.*Job User/,
    ],
    [
      { code: 404, errors: [{ reason: 'notFound' }], message: 'Not found: Dataset proj:ds' },
      'DESTINATION_DATABASE_MISSING',
      /location "EU"/,
    ],
    [
      {
        code: 400,
        errors: [{ reason: 'invalid' }],
        message: 'Error while reading data, error message: JSON parsing error in row starting at position 0',
      },
      'DESTINATION_DATA',
      /row and column/,
    ],
  ])('%o → %s', (error, code, hint) => {
    const e = mapBigQueryError(error, ctx)
    expect(e.code).toBe(code)
    expect(e.hint).toMatch(hint)
    expect(e.transient).toBe(false)
  })

  it('backend errors, 5xx, 429 and rate limits are transient', () => {
    for (const error of [
      { code: 500, message: 'backend' },
      { code: 400, errors: [{ reason: 'backendError' }], message: 'x' },
      { code: 403, errors: [{ reason: 'rateLimitExceeded' }], message: 'Exceeded rate limits' },
      { message: 'connect ECONNREFUSED 127.0.0.1:1' },
      {
        code: 400,
        errors: [{ reason: 'invalidQuery' }],
        message: 'Transaction is aborted due to concurrent update against table p:ds.t.',
      },
    ]) {
      expect(mapBigQueryError(error, ctx).transient, JSON.stringify(error)).toBe(true)
    }
  })
})
