import { describe, expect, it } from 'vitest'
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
})

describe('effectiveDisposition', () => {
  it('keeps supported strategies and fills in defaults', () => {
    expect(effectiveDisposition({ resource: 'r', writeDisposition: 'merge' }, caps)).toEqual({
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
  })
})
