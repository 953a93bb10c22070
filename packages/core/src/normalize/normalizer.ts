import { normalizeIdentifier as normalizeName } from '../schema/naming-convention.ts'
import type { Schema, SchemaChange } from '../schema/schema-types.ts'
import { compileFlatShape } from './flat-row-compiler.ts'
import { SchemaEvolution } from './normalize-evolution.ts'
import type {
  FlatShapes,
  NormalizedPage,
  NormalizedRow,
  Normalizer,
  NormalizerOptions,
  ResourceTableSpec,
} from './normalize-types.ts'
import { ValuePath } from './normalize-values.ts'
import {
  T_BIGINT as BIGINT,
  T_BOOL as BOOL,
  DISCARD,
  T_DOUBLE as DOUBLE,
  type Entry,
  T_JSON as JSON_CODE,
  type PlanNode,
  type TableState,
  T_TEXT as TEXT,
  T_TIMESTAMP as TIMESTAMP,
} from './normalizer-state.ts'
import { createOrderedIds, createRandomIds, digestId, requireKey, rowDigest } from './row-ids.ts'
import { SYSTEM_COLUMNS } from './system-columns.ts'
import { isPlainUtcTimestamp } from './value-coercion.ts'

/** Compiled shapes per root table at most (shapes that keep changing stay on the generic path). */
const MAX_COMPILES = 64

const ID = SYSTEM_COLUMNS.id
const LOAD_ID = SYSTEM_COLUMNS.loadId
const PARENT_ID = SYSTEM_COLUMNS.parentId
const LIST_IDX = SYSTEM_COLUMNS.listIdx
const ROOT_ID = SYSTEM_COLUMNS.rootId

// The type codes as constants of this module (see normalizer-state.ts): the row path switches on them.
const T_TEXT = TEXT
const T_BIGINT = BIGINT
const T_DOUBLE = DOUBLE
const T_BOOL = BOOL
const T_TIMESTAMP = TIMESTAMP
const T_JSON = JSON_CODE

type PendingLists = (Entry | unknown[])[]

/**
 * The row path: flattens rows through per-table plans (source key to column, no naming or inference per value
 * once known), compiles recurring flat root shapes, and hands everything new (a table, a column, a variant) to
 * its {@link SchemaEvolution}.
 */
class SchemaNormalizer implements Normalizer {
  private readonly evolution: SchemaEvolution
  private readonly maxLength: number
  private readonly roots = new Map<string, TableState>()
  private readonly randomId = createRandomIds()
  private readonly orderedId = createOrderedIds()
  private readonly values: ValuePath
  /** Text values this long or shorter fit the destination (see `ValueLimits.maxTextBytes`). */
  private readonly textChars: number
  private readonly flatTextChars: number | undefined
  private outTables: Map<string, NormalizedRow[]> = new Map()
  private loadId = ''
  private discardedRows = 0
  /** The extraction position of the root row being normalized (ordered ids). */
  private order = 0

  constructor(schema: Schema | undefined, options: NormalizerOptions) {
    this.evolution = new SchemaEvolution(schema, options)
    this.maxLength = this.evolution.maxLength
    this.values = new ValuePath(this.evolution, this.evolution.notes, options)
    this.textChars = this.values.textChars
    this.flatTextChars = Number.isFinite(this.textChars) ? this.textChars : undefined
  }

  get schema(): Schema {
    return this.evolution.schema
  }

  normalizeIdentifier(name: string): string {
    return normalizeName(name, this.maxLength)
  }

  tableOf(resource: string): string {
    return this.roots.get(resource)?.name ?? this.normalizeIdentifier(resource)
  }

  registerResource(spec: ResourceTableSpec): SchemaChange[] {
    this.roots.set(spec.resource, this.evolution.register(spec))
    return this.evolution.finish()
  }

  flatShapes(resource: string): FlatShapes | undefined {
    const ts = this.roots.get(resource)
    if (ts === undefined || ts.table === undefined || ts.fastKeys.length === 0) return undefined
    if (ts.idMode !== 'random' && ts.idMode !== 'ordered') return undefined
    return {
      table: ts.name,
      keys: ts.fastKeys,
      orderedIds: ts.idMode === 'ordered',
      ...(this.flatTextChars !== undefined ? { maxTextChars: this.flatTextChars } : {}),
    }
  }

  orderedIds(resource: string): boolean {
    return this.roots.get(resource)?.idMode === 'ordered'
  }

  normalizePage(resource: string, rows: readonly object[], loadId: string, order?: number): NormalizedPage {
    let ts = this.roots.get(resource)
    if (ts === undefined) {
      this.registerResource({ resource, writeDisposition: 'append' })
      ts = this.roots.get(resource)!
    }
    this.loadId = loadId
    const out = new Map<string, NormalizedRow[]>()
    this.outTables = out
    const rootRows: NormalizedRow[] = []
    out.set(ts.name, rootRows)
    this.discardedRows = 0
    const first = order ?? ts.nextOrder
    ts.nextOrder = first + rows.length
    for (let i = 0; i < rows.length; i++) {
      let row = rows[i] as Record<string, unknown>
      if (typeof row !== 'object' || row === null || Array.isArray(row)) row = { value: row }
      this.order = first + i
      try {
        if (ts.table === undefined) this.evolution.createTableUnderContract(ts)
        this.normalizeRow(ts, row, rootRows, undefined, undefined, 0)
      } catch (e) {
        if (e !== DISCARD) throw e
        this.discardedRows++
      }
    }
    const changes = this.evolution.finish()
    const notes = this.evolution.notes.size > 0 ? this.evolution.notes.take() : undefined
    return { tables: out, changes, discardedRows: this.discardedRows, ...(notes ? { notes } : {}) }
  }

  /** Flattens one row of `ts` into `target`, then its lists into child tables. */
  private normalizeRow(
    ts: TableState,
    row: Record<string, unknown>,
    target: NormalizedRow[],
    parentId: string | undefined,
    rootId: string | undefined,
    listIdx: number,
  ): void {
    if (parentId === undefined) {
      const fast = ts.fast
      for (let i = fast.length - 1; i >= 0; i--) {
        const fastOut = fast[i]!(row, this.loadId)
        if (fastOut !== undefined) {
          this.finishRow(ts, fastOut, target, undefined, undefined, 0, undefined)
          return
        }
      }
    }
    const out: NormalizedRow = {}
    if (parentId !== undefined) {
      out[PARENT_ID] = parentId
      out[LIST_IDX] = listIdx
      if (ts.withRootId) out[ROOT_ID] = rootId
    }
    const lists = this.fields(ts, ts.plan, row, out, ts.level, undefined)
    if (parentId === undefined && lists === undefined && ts.fastCompiles < MAX_COMPILES)
      compileFlatShape(ts, this.flatTextChars)
    this.finishRow(ts, out, target, parentId, rootId, listIdx, lists)
  }

  private finishRow(
    ts: TableState,
    out: NormalizedRow,
    target: NormalizedRow[],
    parentId: string | undefined,
    rootId: string | undefined,
    listIdx: number,
    lists: PendingLists | undefined,
  ): void {
    let id: string
    switch (ts.idMode) {
      case 'random':
        id = this.randomId()
        break
      case 'child':
        id = digestId(`${parentId}_${ts.name}_${listIdx}`)
        break
      case 'ordered':
        requireKey(ts, out, this.order)
        id = this.orderedId(this.order)
        break
      default:
        id = rowDigest(out)
    }
    out[LOAD_ID] = this.loadId
    out[ID] = id
    target.push(out)
    if (lists === undefined) return
    const childRoot = ts.parent === undefined ? id : rootId
    for (let i = 0; i < lists.length; i += 2) {
      const e = lists[i] as Entry
      const list = lists[i + 1] as unknown[]
      const child = e.child ?? this.evolution.childOf(ts, e)
      this.normalizeList(child, list, id, childRoot)
    }
  }

  private normalizeList(ts: TableState, list: unknown[], parentId: string, rootId: string | undefined): void {
    if (ts.discarded) {
      this.discardedRows += list.length
      return
    }
    let target = this.outTables.get(ts.name)
    if (target === undefined) {
      target = []
      this.outTables.set(ts.name, target)
    }
    for (let idx = 0; idx < list.length; idx++) {
      const item = list[idx]
      try {
        if (ts.table === undefined) this.evolution.createTableUnderContract(ts)
        if (item !== null && typeof item === 'object' && !Array.isArray(item) && isPlainObject(item)) {
          this.normalizeRow(ts, item as Record<string, unknown>, target, parentId, rootId, idx)
        } else {
          const out: NormalizedRow = { [PARENT_ID]: parentId, [LIST_IDX]: idx }
          if (ts.withRootId) out[ROOT_ID] = rootId
          let lists: PendingLists | undefined
          if (Array.isArray(item)) {
            // lists inside lists are kept as json in `value`
            const e = ts.plan.entries.get('value') ?? this.evolution.entry(ts, ts.plan, 'value')
            if (e.col === undefined) this.values.newColumn(ts, e, item, out, 'json')
            else this.values.value(ts, e.col, item, out)
          } else if (item !== null && item !== undefined) {
            const e = ts.plan.entries.get('value') ?? this.evolution.entry(ts, ts.plan, 'value')
            lists = this.field(ts, e, item, out, ts.level, undefined)
          }
          this.finishRow(ts, out, target, parentId, rootId, idx, lists)
        }
      } catch (e) {
        if (e !== DISCARD) throw e
        if (ts.discarded) {
          this.discardedRows += list.length - idx
          return
        }
        this.discardedRows++
      }
    }
  }

  /** Handles the non-null fields of one object at `level`; returns the (possibly new) pending lists. */
  private fields(
    ts: TableState,
    node: PlanNode,
    obj: Record<string, unknown>,
    out: NormalizedRow,
    level: number,
    lists: PendingLists | undefined,
  ): PendingLists | undefined {
    const shape = node.shape
    let i = 0
    for (const key in obj) {
      let e = shape[i]
      if (e === undefined || e.key !== key) {
        e = node.entries.get(key) ?? this.evolution.entry(ts, node, key)
        if (i < 4096) shape[i] = e
      }
      i++
      const v = obj[key]
      if (v === null || v === undefined) continue
      lists = this.field(ts, e, v, out, level, lists)
    }
    node.shapeLen = i
    return lists
  }

  /** Handles one non-null field; returns the (possibly new) pending lists. */
  private field(
    ts: TableState,
    e: Entry,
    v: unknown,
    out: NormalizedRow,
    level: number,
    lists: PendingLists | undefined,
  ): PendingLists | undefined {
    const col = e.col
    if (typeof v === 'object') {
      if (col !== undefined && col.code === T_JSON) {
        out[col.name] = v
        return lists
      }
      if (Array.isArray(v)) {
        if (level < ts.maxNesting) {
          if (lists === undefined) lists = []
          lists.push(e, v)
          return lists
        }
      } else if (isPlainObject(v)) {
        if (level < ts.maxNesting) {
          return this.fields(
            ts,
            e.sub ?? this.evolution.subPlan(e),
            v as Record<string, unknown>,
            out,
            level + 1,
            lists,
          )
        }
      }
      if (col === undefined) {
        this.values.newColumn(ts, e, v, out, Array.isArray(v) || isPlainObject(v) ? 'json' : undefined)
      } else {
        this.values.value(ts, col, v, out)
      }
      return lists
    }
    if (col === undefined) {
      this.values.newColumn(ts, e, v, out, undefined)
      return lists
    }
    switch (col.code) {
      case T_TEXT:
        if (typeof v === 'string' && v.length <= this.textChars) {
          out[col.name] = v
          return lists
        }
        break
      case T_BIGINT:
        if (typeof v === 'number' && Number.isSafeInteger(v)) {
          out[col.name] = v
          return lists
        }
        break
      case T_DOUBLE:
        if (typeof v === 'number' && v - v === 0) {
          out[col.name] = v
          return lists
        }
        break
      case T_BOOL:
        if (typeof v === 'boolean') {
          out[col.name] = v
          return lists
        }
        break
      case T_TIMESTAMP:
        if (typeof v === 'string' && isPlainUtcTimestamp(v)) {
          out[col.name] = v
          return lists
        }
        break
    }
    this.values.value(ts, col, v, out)
    return lists
  }
}

function isPlainObject(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/**
 * Creates a {@link Normalizer} over `schema` (a stored schema to evolve, or undefined for a new one named
 * `options.schemaName`). The normalizer works on its own copy; `normalizer.schema` is a snapshot of the current state
 * (a new object after each change; callers MUST treat it as read-only).
 *
 * Behaviour (dlt's relational normalizer): nested objects flatten to `a__b` columns; lists become child tables
 * `parent__child` (lists of scalars in a `value` column, lists inside lists as json in `value`) with
 * `_sluice_parent_id`, `_sluice_list_idx` and, when the root table merges, `_sluice_root_id`; past
 * `maxTableNesting` (default 1000) nested values are stored as json; `null` values never create a column (known
 * columns get `null` or are left out); values that cannot be coerced go to variant columns `col__v_<type>`; every
 * row gets `_sluice_load_id` and `_sluice_id` (random on root tables, a hash of the primary key under merge
 * `upsert`, a hash of the row under `scd2`, a hash of parent id, table and list position on child tables).
 * Contracts: resource spec, then `options.contract`, then the schema's, per entity; tables created during this
 * normalizer's life accept new columns and variants whatever the contract (as in dlt); `freeze` throws
 * `SluiceError('SCHEMA_FROZEN')`; `discard_row` on a new table drops that table's rows only. Rows dropped for a
 * contract count in `discardedRows`; columns a dropped row added before the violation stay in the schema.
 *
 * Speed: per table a plan maps source keys to columns (no naming or inference per value once known); flat root
 * rows of a recurring shape go through a compiled object-literal function and fall back to the generic path for
 * anything new or mismatched.
 */
export function createNormalizer(schema: Schema | undefined, options: NormalizerOptions): Normalizer {
  return new SchemaNormalizer(schema, options)
}
