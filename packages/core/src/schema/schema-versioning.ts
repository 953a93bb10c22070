import { sha256 } from '@noble/hashes/sha2.js'
import type { Schema, Table } from './schema-types.ts'

/** How many previous version hashes a schema keeps. */
export const MAX_PREVIOUS_HASHES = 10

const encoder = new TextEncoder()

/** JSON with object keys sorted at every level (arrays keep their order; `undefined` members are dropped). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`
  const obj = value as Record<string, unknown>
  const parts: string[] = []
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key]
    if (v === undefined) continue
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`)
  }
  return `{${parts.join(',')}}`
}

function base64url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * The content hash of a schema: base64url (no padding) of sha256 over the canonical JSON of `tables` (object keys
 * sorted at every level, column order significant). Independent of key insertion order, version and name.
 */
export function hashSchema(schema: Pick<Schema, 'tables'>): string {
  return base64url(sha256(encoder.encode(canonicalJson(schema.tables))))
}

/** A new schema with no tables, version 0 and the hash of its (empty) tables. */
export function emptySchema(name: string): Schema {
  const tables: Record<string, Table> = {}
  return { name, version: 0, versionHash: hashSchema({ tables }), previousHashes: [], tables }
}

/**
 * Recomputes `schema.versionHash` in place; when it changed, increments `version` and pushes the old hash to the
 * front of `previousHashes` (at most {@link MAX_PREVIOUS_HASHES}). Returns true when the version changed.
 */
export function bumpSchemaVersion(schema: Schema): boolean {
  const hash = hashSchema(schema)
  if (hash === schema.versionHash) return false
  if (schema.versionHash)
    schema.previousHashes = [schema.versionHash, ...schema.previousHashes].slice(0, MAX_PREVIOUS_HASHES)
  schema.versionHash = hash
  schema.version += 1
  return true
}

/** A deep copy of a schema (plain JSON data). */
export function cloneSchema(schema: Schema): Schema {
  return structuredClone(schema)
}
