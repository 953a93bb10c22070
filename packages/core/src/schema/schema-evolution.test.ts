import { describe, expect, it } from 'vitest'
import { isSluiceError } from '../errors.ts'
import { frozenError, resolveContract } from './schema-contract.ts'
import { applySchemaChanges, diffSchemas, mergeStoredSchema } from './schema-evolution.ts'
import type { Schema, Table } from './schema-types.ts'
import {
  bumpSchemaVersion,
  canonicalJson,
  emptySchema,
  hashSchema,
  MAX_PREVIOUS_HASHES,
} from './schema-versioning.ts'

const users: Table = {
  name: 'users',
  writeDisposition: 'merge',
  mergeStrategy: 'upsert',
  columns: [
    { name: '_sluice_id', dataType: 'text', nullable: false },
    { name: 'id', dataType: 'bigint', primaryKey: true, nullable: false },
  ],
}
const usersTags: Table = {
  name: 'users__tags',
  parent: 'users',
  writeDisposition: 'merge',
  columns: [{ name: 'value', dataType: 'text' }],
}

function schemaWith(...tables: Table[]): Schema {
  return applySchemaChanges(
    emptySchema('s'),
    tables.map((table) => ({ kind: 'add-table', table })),
  )
}

describe('hashing and versions', () => {
  it('hashes content independent of key order', () => {
    const a = {
      tables: {
        users: { name: 'users', writeDisposition: 'append', columns: [{ name: 'a', dataType: 'text' }] },
      },
    }
    const b = {
      tables: {
        users: { columns: [{ dataType: 'text', name: 'a' }], writeDisposition: 'append', name: 'users' },
      },
    }
    expect(hashSchema(a as unknown as Schema)).toBe(hashSchema(b as unknown as Schema))
    expect(hashSchema(a as unknown as Schema)).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('changes the hash when columns change or reorder', () => {
    const base = schemaWith(users)
    const extra = applySchemaChanges(base, [
      { kind: 'add-column', table: 'users', column: { name: 'x', dataType: 'text' } },
    ])
    expect(extra.versionHash).not.toBe(base.versionHash)
    const reordered = structuredClone(base)
    reordered.tables.users!.columns.reverse()
    expect(hashSchema(reordered)).not.toBe(base.versionHash)
  })

  it('canonical JSON sorts keys and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: 2 }] })).toBe('{"a":[{"c":2}],"b":1}')
  })

  it('starts empty at version 0 and bumps only on change', () => {
    const s = emptySchema('clockodo')
    expect(s).toMatchObject({ name: 'clockodo', version: 0, previousHashes: [], tables: {} })
    expect(s.versionHash).toBe(hashSchema(s))
    expect(bumpSchemaVersion(s)).toBe(false)
    expect(s.version).toBe(0)
    s.tables.t = { name: 't', columns: [], writeDisposition: 'append' }
    const old = s.versionHash
    expect(bumpSchemaVersion(s)).toBe(true)
    expect(s.version).toBe(1)
    expect(s.previousHashes).toEqual([old])
  })

  it('keeps the last 10 previous hashes, newest first', () => {
    let s = emptySchema('s')
    const seen: string[] = []
    for (let i = 0; i < 15; i++) {
      seen.unshift(s.versionHash)
      s = applySchemaChanges(s, [
        { kind: 'add-table', table: { name: `t${i}`, columns: [], writeDisposition: 'append' } },
      ])
    }
    expect(s.version).toBe(15)
    expect(s.previousHashes).toHaveLength(MAX_PREVIOUS_HASHES)
    expect(s.previousHashes).toEqual(seen.slice(0, MAX_PREVIOUS_HASHES))
  })
})

describe('applySchemaChanges', () => {
  it('adds tables and columns without touching the input and skips known ones', () => {
    const base = schemaWith(users)
    const before = structuredClone(base)
    const next = applySchemaChanges(base, [
      { kind: 'add-table', table: usersTags },
      { kind: 'add-column', table: 'users', column: { name: 'email', dataType: 'text' } },
      { kind: 'add-column', table: 'users', column: { name: 'id', dataType: 'text' } },
    ])
    expect(base).toEqual(before)
    expect(Object.keys(next.tables)).toEqual(['users', 'users__tags'])
    expect(next.tables.users!.columns.map((c) => `${c.name}:${c.dataType}`)).toEqual([
      '_sluice_id:text',
      'id:bigint',
      'email:text',
    ])
    expect(next.version).toBe(base.version + 1)
    const same = applySchemaChanges(next, [{ kind: 'add-table', table: usersTags }])
    expect(same.version).toBe(next.version)
    expect(same.versionHash).toBe(next.versionHash)
  })

  it('rejects columns for unknown tables', () => {
    expect(() =>
      applySchemaChanges(emptySchema('s'), [
        { kind: 'add-column', table: 'nope', column: { name: 'a', dataType: 'text' } },
      ]),
    ).toThrow(/unknown table "nope"/)
  })
})

describe('diffSchemas', () => {
  it('lists every table for an empty destination, parents first', () => {
    const current = schemaWith(usersTags, users)
    const changes = diffSchemas(undefined, current)
    expect(changes.map((c) => (c.kind === 'add-table' ? c.table.name : c.column.name))).toEqual([
      'users',
      'users__tags',
    ])
  })

  it('lists new tables and new columns only', () => {
    const stored = schemaWith(users)
    const current = applySchemaChanges(stored, [
      { kind: 'add-column', table: 'users', column: { name: 'email', dataType: 'text' } },
      { kind: 'add-table', table: usersTags },
    ])
    expect(diffSchemas(stored, current)).toEqual([
      { kind: 'add-column', table: 'users', column: { name: 'email', dataType: 'text' } },
      { kind: 'add-table', table: usersTags },
    ])
    expect(diffSchemas(current, current)).toEqual([])
    // applying the diff to stored reproduces current's tables
    expect(applySchemaChanges(stored, diffSchemas(stored, current)).versionHash).toBe(current.versionHash)
  })

  it('merges a stored schema with local additions', () => {
    const stored = schemaWith(users)
    const local = schemaWith(usersTags)
    const merged = mergeStoredSchema(local, stored)
    expect(Object.keys(merged.tables).sort()).toEqual(['users', 'users__tags'])
    expect(mergeStoredSchema(undefined, stored)).toBe(stored)
  })
})

describe('contracts', () => {
  it('resolves modes per entity, most specific first', () => {
    expect(resolveContract()).toEqual({ tables: 'evolve', columns: 'evolve', data_type: 'evolve' })
    expect(resolveContract('freeze')).toEqual({ tables: 'freeze', columns: 'freeze', data_type: 'freeze' })
    expect(resolveContract({ columns: 'discard_row' }, 'freeze', undefined)).toEqual({
      tables: 'freeze',
      columns: 'discard_row',
      data_type: 'freeze',
    })
    expect(resolveContract(undefined, { data_type: 'discard_value' })).toEqual({
      tables: 'evolve',
      columns: 'evolve',
      data_type: 'discard_value',
    })
  })

  it('builds SCHEMA_FROZEN errors with a hint', () => {
    const e = frozenError('columns', 'users', 'email')
    expect(isSluiceError(e, 'SCHEMA_FROZEN')).toBe(true)
    expect(e.message).toContain('"email"')
    expect(e.message).toContain('"users"')
    expect(e.hint).toContain('evolve')
  })
})
