// A config the REST API source cannot run fails at once with CONFIG_INVALID, naming the key and what to do.
import { describe, expect, it } from 'vitest'
import { restApiSource } from './rest-api-source.ts'
import type { RestApiSourceConfig } from './rest-api-types.ts'

describe('restApiSource validation', () => {
  const bad = (patch: (c: RestApiSourceConfig) => void) => {
    const c: RestApiSourceConfig = {
      name: 'test',
      client: { baseUrl: 'https://api.example.test/api' },
      resources: [{ name: 'users', endpoint: 'v3/users' }],
    }
    patch(c)
    return () => restApiSource(c)
  }
  it.each([
    [
      'missing baseUrl',
      (c: RestApiSourceConfig) => (c.client.baseUrl = 'my.clockodo.com'),
      /client\.baseUrl must be an absolute/,
    ],
    [
      'unknown auth',
      (c: RestApiSourceConfig) => (c.client.auth = { type: 'oauth' } as never),
      /client\.auth\.type "oauth"/,
    ],
    ['no resources', (c: RestApiSourceConfig) => (c.resources = []), /resources must be a non-empty list/],
    [
      'unknown key (dlt spelling mapped first)',
      (c: RestApiSourceConfig) =>
        (c.resources = [{ name: 'u', endpoint: { path: 'u', data_selectr: 'data' } as never }]),
      /resources\[0\] \("u"\)\.endpoint\.dataSelectr is not a known key: known keys: path, method/,
    ],
    [
      'bad paginator',
      (c: RestApiSourceConfig) =>
        (c.resources = [{ name: 'u', endpoint: { path: 'u', paginator: { type: 'pages' } as never } }]),
      /resources\[0\] \("u"\)\.endpoint\.paginator\.type "pages" is not a paginator type/,
    ],
    [
      'offset without limit',
      (c: RestApiSourceConfig) =>
        (c.resources = [{ name: 'u', endpoint: { path: 'u', paginator: { type: 'offset' } as never } }]),
      /paginator\.limit must be a positive number/,
    ],
    [
      'duplicate names',
      (c: RestApiSourceConfig) => (c.resources = ['a', 'a']),
      /resources\[1\] \("a"\)\.name is used by two resources/,
    ],
    [
      'unknown parent',
      (c: RestApiSourceConfig) => (c.resources = [{ name: 'c', endpoint: 'x/{resources.nope.id}' }]),
      /references the unknown resource "nope"/,
    ],
    [
      'incremental placeholder without incremental',
      (c: RestApiSourceConfig) =>
        (c.resources = [{ name: 'c', endpoint: { path: 'x', params: { s: '{incremental.start_value}' } } }]),
      /uses \{incremental\.start_value\} but has no incremental/,
    ],
    [
      'upsert without key',
      (c: RestApiSourceConfig) =>
        (c.resources = [{ name: 'c', writeDisposition: { disposition: 'merge', strategy: 'upsert' } }]),
      /writeDisposition is merge upsert but the resource has no primaryKey/,
    ],
    [
      'scd2 option on delete-insert',
      (c: RestApiSourceConfig) =>
        (c.resources = [
          {
            name: 'c',
            writeDisposition: { disposition: 'merge', validity_column_names: ['a', 'b'] } as never,
          },
        ]),
      /validityColumnNames is an scd2 option, but the strategy is the default/,
    ],
    [
      'bad step',
      (c: RestApiSourceConfig) =>
        (c.resources = [{ name: 'c', processingSteps: [{ mapp: () => ({}) } as never] }]),
      /processingSteps\[0\] must be \{ map: fn \}, \{ filter: fn \} or \{ yieldMap: fn \}/,
    ],
    [
      'parent cycle',
      (c: RestApiSourceConfig) =>
        (c.resources = [
          { name: 'a', endpoint: 'a/{resources.b.id}' },
          { name: 'b', endpoint: 'b/{resources.a.id}' },
        ]),
      /parent cycle/,
    ],
  ])('%s', (_, patch, message) => {
    let err: unknown
    try {
      bad(patch)()
    } catch (e) {
      err = e
    }
    expect((err as { code?: string }).code).toBe('CONFIG_INVALID')
    expect((err as Error).message).toMatch(message)
  })
})
