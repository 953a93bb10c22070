import { describe, expect, it } from 'vitest'
import { restApiSource } from '../source/rest-api-source.ts'
import { effectiveDisposition, resourceSpec } from './pipeline-dispositions.ts'

const caps = {
  writeDispositions: ['append', 'replace', 'merge'] as const,
  mergeStrategies: ['delete-insert'] as const,
  replaceStrategies: ['truncate-and-insert', 'insert-from-staging'] as const,
}

describe('resourceSpec', () => {
  it('maps a resource to the normalizer spec', () => {
    const spec = resourceSpec({
      name: 'entries',
      tableName: 'Entries',
      primaryKey: 'id',
      mergeKey: ['a', 'b'],
      writeDisposition: { disposition: 'merge', strategy: 'upsert' },
      async *read() {},
    })
    expect(spec).toEqual({
      resource: 'entries',
      table: 'Entries',
      primaryKey: ['id'],
      mergeKey: ['a', 'b'],
      writeDisposition: 'merge',
      mergeStrategy: 'upsert',
    })
  })
  it('carries the scd2 options in either spelling, timestamps as ISO strings', () => {
    const spec = resourceSpec({
      name: 'dim',
      writeDisposition: {
        disposition: 'merge',
        strategy: 'scd2',
        validity_column_names: ['from', 'to'],
        activeRecordTimestamp: new Date('9999-12-31T00:00:00Z') as never,
        boundary_timestamp: '2024-08-21T12:15:00+00:00',
        row_version_column_name: 'row_hash',
      } as never,
      async *read() {},
    })
    expect(spec.scd2).toEqual({
      validityColumnNames: ['from', 'to'],
      activeRecordTimestamp: '9999-12-31T00:00:00.000Z',
      boundaryTimestamp: '2024-08-21T12:15:00+00:00',
      rowVersionColumnName: 'row_hash',
    })
  })
})

describe('a rest_api config', () => {
  const options = {
    validityColumnNames: ['from', 'to'],
    activeRecordTimestamp: '9999-12-31T00:00:00Z',
    rowVersionColumnName: 'row_hash',
  }
  it.each([
    [
      "dlt's spelling",
      {
        client: { base_url: 'https://api.example.com/' },
        resources: [
          {
            name: 'dim',
            endpoint: 'dim',
            write_disposition: {
              disposition: 'merge',
              strategy: 'scd2',
              validity_column_names: ['from', 'to'],
              active_record_timestamp: '9999-12-31T00:00:00Z',
              row_version_column_name: 'row_hash',
            },
          },
        ],
      },
    ],
    [
      'camelCase',
      {
        name: 'api',
        client: { baseUrl: 'https://api.example.com/' },
        resources: [
          {
            name: 'dim',
            endpoint: 'dim',
            writeDisposition: { disposition: 'merge', strategy: 'scd2', ...options },
          },
        ],
      },
    ],
  ])('in %s gives its resource the scd2 options, and takes merge without keys', (_, config) => {
    const [dim] = restApiSource(config as never).resources
    expect(resourceSpec(dim!).scd2).toEqual(options)
    const keyless = restApiSource({
      name: 'api',
      client: { baseUrl: 'https://api.example.com/' },
      resources: [{ name: 'log', endpoint: 'log', writeDisposition: 'merge' }],
    })
    expect(resourceSpec(keyless.resources[0]!).writeDisposition).toBe('merge')
  })
})

describe('effectiveDisposition', () => {
  it('keeps supported strategies and fills in defaults', () => {
    expect(
      effectiveDisposition({ resource: 'r', writeDisposition: 'merge', primaryKey: ['id'] }, caps),
    ).toEqual({
      disposition: 'merge',
      mergeStrategy: 'delete-insert',
    })
    expect(effectiveDisposition({ resource: 'r', writeDisposition: 'replace' }, caps)).toEqual({
      disposition: 'replace',
      replaceStrategy: 'insert-from-staging',
    })
    expect(effectiveDisposition({ resource: 'r', writeDisposition: 'append' }, caps)).toEqual({
      disposition: 'append',
    })
  })
  it('says that a merge without keys appends, and not when a key is hinted or the strategy is scd2', () => {
    expect(effectiveDisposition({ resource: 'r', writeDisposition: 'merge' }, caps)).toEqual({
      disposition: 'merge',
      mergeStrategy: 'delete-insert',
      warning:
        'r: merge without a primary key or merge key appends its rows (through staging); set primaryKey or mergeKey to update rows',
    })
    const hinted = { resource: 'r', writeDisposition: 'merge', columns: { day: { mergeKey: true } } } as const
    expect(effectiveDisposition(hinted, caps).warning).toBeUndefined()
    const scd2 = { resource: 'r', writeDisposition: 'merge', mergeStrategy: 'scd2' } as const
    expect(effectiveDisposition(scd2, { ...caps, mergeStrategies: ['scd2'] }).warning).toBeUndefined()
  })
  it('refuses a merge strategy the destination does not offer, naming the ones it does', () => {
    expect(() =>
      effectiveDisposition({ resource: 'r', writeDisposition: 'merge', mergeStrategy: 'scd2' }, caps),
    ).toThrow(/resource r asks for the scd2 merge strategy, but the destination offers only delete-insert/)
    expect(() =>
      effectiveDisposition(
        { resource: 'accounts', writeDisposition: 'merge', mergeStrategy: 'upsert' },
        { ...caps, mergeStrategies: ['delete-insert', 'scd2'] },
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'DESTINATION_UNSUPPORTED',
        hint: expect.stringContaining('delete-insert, scd2'),
      }),
    )
  })
  it('refuses insert-only where the destination does not list it', () => {
    expect(() =>
      effectiveDisposition(
        { resource: 'users', writeDisposition: 'merge', mergeStrategy: 'insert-only', primaryKey: ['id'] },
        caps,
      ),
    ).toThrow(
      /resource users asks for the insert-only merge strategy, but the destination offers only delete-insert/,
    )
  })
  it('falls back to a supported replace strategy with a warning', () => {
    expect(
      effectiveDisposition(
        { resource: 'r', writeDisposition: 'replace', replaceStrategy: 'staging-optimized' },
        { ...caps, replaceStrategies: ['truncate-and-insert'] },
      ),
    ).toMatchObject({
      replaceStrategy: 'truncate-and-insert',
      warning: expect.stringContaining('staging-optimized'),
    })
  })
  it('refuses merge on a destination without merge, naming the alternatives', () => {
    expect(() =>
      effectiveDisposition(
        { resource: 'r', writeDisposition: 'merge' },
        { ...caps, mergeStrategies: [], writeDispositions: ['append', 'replace'] },
      ),
    ).toThrow(
      /resource r asks for merge, but the destination offers only append and replace: load r with write disposition append or replace/,
    )
    // the filesystem destination: no merge at all, so no insert-only either
    expect(() =>
      effectiveDisposition(
        { resource: 'users', writeDisposition: 'merge', mergeStrategy: 'insert-only', primaryKey: ['id'] },
        { ...caps, mergeStrategies: [], writeDispositions: ['append', 'replace'] },
      ),
    ).toThrow(
      /resource users asks for merge \(insert-only\), but the destination offers only append and replace/,
    )
  })
})
