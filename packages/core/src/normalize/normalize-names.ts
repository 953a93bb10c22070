// Which source key keeps a name when two keys of one object normalize alike (`userId`, `user_id`, `UserID`;
// `名前` and `価格`, both `x` under dlt's snake_case; `""` and `" "`): the rule of SchemaEvolution.entry. Internal
// to the normalize area.
import {
  identifierTag,
  normalizeIdentifier,
  PATH_SEPARATOR,
  shortenFragments,
} from '../schema/naming-convention.ts'
import type { DataType, Table } from '../schema/schema-types.ts'
import { type ColState, type PlanNode, RESERVED, type TableState } from './normalizer-state.ts'
import { SYSTEM_COLUMN_PREFIX } from './system-columns.ts'

/** Column name for blank keys in the data, as in dlt. */
export const EMPTY_KEY = '_empty'

/** Tagged names tried for one key before giving up (each tag is a new hash: a clash is already unlikely). */
const MAX_TAGS = 16

/** The JSON of a source path: how owners are compared. */
export function pathKey(path: readonly string[]): string {
  return JSON.stringify(path)
}

/** The name of a column (or nested prefix) from its fragments, within `maxLength`. */
function nameOf(frags: readonly string[], maxLength: number): string {
  return frags.length === 1 ? frags[0]! : shortenFragments(frags, maxLength)
}

/** Gives `name` to `path` unless another path has it, and `path` its name unless it has one. */
function claim(ts: TableState, name: string, path: readonly string[]): void {
  const owner = pathKey(path)
  if (!ts.owners.has(name)) ts.owners.set(name, owner)
  if (!ts.names.has(owner)) ts.names.set(owner, name)
}

/**
 * Records the name a stored column or child table (relative to the table) has for its source path and, when the
 * name splits into one fragment per key (it was not shortened), the prefixes of the nested objects on the way.
 */
function record(ts: TableState, name: string, path: readonly string[] | undefined): void {
  if (path === undefined || path.length === 0) return
  claim(ts, name, path)
  const parts = name.split(PATH_SEPARATOR)
  if (parts.length !== path.length) return
  for (let i = 1; i < path.length; i++) claim(ts, parts.slice(0, i).join(PATH_SEPARATOR), path.slice(0, i))
}

/**
 * Fills a table state's owners and names from its stored table and child tables: recorded source paths own their
 * names; system and variant columns are reserved; other columns (schemas written before paths were recorded) go
 * to the first key that asks for them.
 */
export function loadOwners(ts: TableState, table: Table | undefined, children: readonly Table[]): void {
  for (const c of table?.columns ?? []) {
    if (c.sourcePath) record(ts, c.name, c.sourcePath)
    else if (c.variantOf !== undefined || c.name.startsWith(SYSTEM_COLUMN_PREFIX))
      ts.owners.set(c.name, RESERVED)
  }
  const prefix = ts.name + PATH_SEPARATOR
  for (const child of children) {
    if (child.sourcePath && child.name.startsWith(prefix))
      record(ts, child.name.slice(prefix.length), child.sourcePath)
  }
}

/** Claims the names of hinted columns for the keys the hints name (hints keep their names). */
export function claimHinted(ts: TableState, name: string, path: readonly string[]): void {
  record(ts, name, path)
}

/** Where a key of `node` goes: its fragment, its name within the table, and whether it was renamed just now. */
export interface KeyName {
  frag: string
  name: string
  path: string[]
  /** True when this call gave the key a tagged name (the first time: the run warns once). */
  renamed: boolean
}

/**
 * The name of source key `key` of `node`: dlt's snake_case name when no other source path of the table holds it,
 * else the name with `_` and a 6-character tag of the key (`user_id_k3x9qa`; the tag is dlt's shortening hash, over
 * the raw key), trying the next tag if that one is held too. A path keeps the name the stored schema gave it.
 * Names are claimed here, before any column exists, so within a run the first key seen keeps a name.
 */
export function keyName(ts: TableState, node: PlanNode, key: string, maxLength: number): KeyName {
  let frag: string
  try {
    frag = normalizeIdentifier(key, maxLength)
  } catch {
    frag = EMPTY_KEY
  }
  const path = [...node.path, key]
  const me = pathKey(path)
  const stored = ts.names.get(me)
  for (let attempt = 0; attempt < MAX_TAGS; attempt++) {
    const f = attempt === 0 ? frag : `${frag}_${identifierTag(attempt === 1 ? key : `${key}#${attempt}`)}`
    const name = nameOf([...node.frags, f], maxLength)
    const owner = ts.owners.get(name)
    if (stored !== undefined ? name !== stored : owner !== undefined && owner !== me) continue
    if (owner === undefined) ts.owners.set(name, me)
    ts.names.set(me, name)
    return { frag: f, name, path, renamed: attempt > 0 && stored === undefined }
  }
  if (stored !== undefined) {
    // the stored name is not among the tagged names (e.g. another identifier limit): claim anew
    ts.names.delete(me)
    return keyName(ts, node, key, maxLength)
  }
  throw new Error(`no free column name for source key ${JSON.stringify(key)} of table ${ts.name}`)
}

/**
 * Records `path` as the source of a column of a schema from before source paths were recorded (it is this key's
 * from now on); true when it did.
 */
export function claimUnrecorded(ts: TableState, col: ColState, path: readonly string[]): boolean {
  if (col.column.sourcePath !== undefined || ts.owners.get(col.name) === RESERVED) return false
  col.column.sourcePath = [...path]
  return true
}

/**
 * The name of `col`'s variant column for `type`: `col__v_<type>`, or, when a column of data (or a key) has that
 * name, the name with a tag (the variant columns of `col` keep theirs).
 */
export function variantName(ts: TableState, col: ColState, type: DataType, maxLength: number): string {
  let name = shortenFragments([col.name, `v_${type}`], maxLength)
  for (let k = 1; k <= MAX_TAGS; k++) {
    const existing = ts.cols.get(name)
    const owner = ts.owners.get(name)
    const free =
      existing === undefined
        ? owner === undefined || owner === RESERVED
        : existing.column.variantOf === col.name
    if (free) return name
    name = shortenFragments([col.name, `v_${type}_${identifierTag(`${col.name}#${k}`)}`], maxLength)
  }
  throw new Error(`no free name for a ${type} variant of column ${col.name} of table ${ts.name}`)
}
