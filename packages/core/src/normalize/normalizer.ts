import {
  normalizeIdentifier as normalizeName,
  PATH_SEPARATOR,
  shortenFragments,
} from '../schema/naming-convention.ts'
import { frozenError, type ResolvedContract, resolveContract } from '../schema/schema-contract.ts'
import type {
  Column,
  ColumnHint,
  ContractMode,
  DataType,
  Schema,
  SchemaChange,
  Table,
} from '../schema/schema-types.ts'
import { bumpSchemaVersion, canonicalJson, cloneSchema, emptySchema } from '../schema/schema-versioning.ts'
import { inferDataType } from '../schema/type-inference.ts'
import { compileFlatRow, type FlatRowFn } from './flat-row-compiler.ts'
import type {
  FlatKey,
  FlatShapes,
  NormalizedPage,
  NormalizedRow,
  Normalizer,
  NormalizerOptions,
  ResourceTableSpec,
} from './normalize-types.ts'
import { createRandomIds, digestId } from './row-ids.ts'
import { SYSTEM_COLUMN_PREFIX, SYSTEM_COLUMNS, systemColumnsFor } from './system-columns.ts'
import { coerceValue, isPlainUtcTimestamp } from './value-coercion.ts'

/** Compiled shapes per root table at most (shapes that keep changing stay on the generic path). */
const MAX_COMPILES = 64
/** Compiled shapes kept per root table and tried in turn (rows of a few alternating shapes all stay fast). */
const MAX_FAST_SHAPES = 8

function sameFlatKeys(a: readonly FlatKey[], b: readonly FlatKey[]): boolean {
  return (
    a.length === b.length &&
    a.every((k, i) => k.key === b[i]!.key && k.column === b[i]!.column && k.type === b[i]!.type)
  )
}

/** Column name for blank keys in the data, as in dlt. */
const EMPTY_KEY = '_empty'

/** Default `maxTableNesting`, as in dlt. */
export const DEFAULT_MAX_TABLE_NESTING = 1000

const ID = SYSTEM_COLUMNS.id
const LOAD_ID = SYSTEM_COLUMNS.loadId
const PARENT_ID = SYSTEM_COLUMNS.parentId
const LIST_IDX = SYSTEM_COLUMNS.listIdx
const ROOT_ID = SYSTEM_COLUMNS.rootId

// Fast-path codes per column type; everything else goes through coerceValue.
const T_OTHER = 0
const T_TEXT = 1
const T_BIGINT = 2
const T_DOUBLE = 3
const T_BOOL = 4
const T_TIMESTAMP = 5
const T_JSON = 6

function typeCode(t: DataType): number {
  switch (t) {
    case 'text':
      return T_TEXT
    case 'bigint':
      return T_BIGINT
    case 'double':
      return T_DOUBLE
    case 'bool':
      return T_BOOL
    case 'timestamp':
      return T_TIMESTAMP
    case 'json':
      return T_JSON
    default:
      return T_OTHER
  }
}

/** Thrown inside a row to drop it (`discard_row`); never escapes the normalizer. */
const DISCARD: unique symbol = Symbol('discard-row')

interface ColState {
  readonly column: Column
  readonly name: string
  readonly type: DataType
  readonly code: number
  /** Variant column names by the variant's type. */
  variants: Map<DataType, ColState> | undefined
}

interface Entry {
  /** The source key. */
  readonly key: string
  /** Normalized column name (full path within the table, shortened). */
  readonly name: string
  /** Normalized path fragments of this key relative to the table. */
  readonly frags: readonly string[]
  col: ColState | undefined
  sub: PlanNode | undefined
  child: TableState | undefined
}

interface PlanNode {
  readonly frags: readonly string[]
  readonly entries: Map<string, Entry>
  /** Entries in the key order of the last object seen: rows of one API mostly share it, so no Map lookup. */
  readonly shape: (Entry | undefined)[]
  /** How many keys the last object had. */
  shapeLen: number
}

interface TableState {
  readonly name: string
  readonly frags: readonly string[]
  readonly parent: TableState | undefined
  root: TableState
  table: Table | undefined
  /** Not in the schema the normalizer started from: columns and data types evolve freely. */
  readonly isNew: boolean
  contract: ResolvedContract
  cols: Map<string, ColState>
  plan: PlanNode
  /** Hints waiting for their column (by normalized name). */
  hints: Map<string, ColumnHint>
  /** Base nesting level of this table's rows. */
  readonly level: number
  maxNesting: number
  idMode: 'random' | 'key' | 'row' | 'child'
  keyCols: string[]
  withRootId: boolean
  /** Set when the tables contract discards this (new) table's rows. */
  discarded: boolean
  spec: ResourceTableSpec | undefined
  /** Compiled paths for root rows of the last flat shapes seen, the most recently compiled last (tried first). */
  fast: FlatRowFn[]
  /** The keys each of `fast` was compiled from (same order). */
  fastKeys: FlatKey[][]
  fastCompiles: number
}

type PendingLists = (Entry | unknown[])[]

class SchemaNormalizer implements Normalizer {
  private readonly work: Schema
  private readonly maxLength: number
  private readonly options: NormalizerOptions
  private readonly initialTables: Set<string>
  private readonly roots = new Map<string, TableState>()
  private readonly states = new Map<string, TableState>()
  private readonly randomId = createRandomIds()
  /** Changes not yet returned; a call that throws leaves its changes here for the next call to return. */
  private changes: SchemaChange[] = []
  private dirty = true
  private snapshot: Schema | undefined
  private outTables: Map<string, NormalizedRow[]> = new Map()
  private loadId = ''
  private discardedRows = 0

  constructor(schema: Schema | undefined, options: NormalizerOptions) {
    this.options = options
    this.maxLength = options.maxIdentifierLength ?? 65536
    this.work = schema === undefined ? emptySchema(options.schemaName) : cloneSchema(schema)
    this.initialTables = new Set(options.initialTables ?? Object.keys(this.work.tables))
  }

  get schema(): Schema {
    this.snapshot ??= cloneSchema(this.work)
    return this.snapshot
  }

  normalizeIdentifier(name: string): string {
    return normalizeName(name, this.maxLength)
  }

  tableOf(resource: string): string {
    return this.roots.get(resource)?.name ?? this.normalizeIdentifier(resource)
  }

  registerResource(spec: ResourceTableSpec): SchemaChange[] {
    this.dirty = true
    const name = this.normalizeIdentifier(spec.table ?? spec.resource)
    const contract = resolveContract(spec.contract, this.options.contract, this.work.contract)
    let ts = this.states.get(name)
    if (ts === undefined) {
      ts = this.newState(name, [name], undefined, 0, contract)
      this.states.set(name, ts)
    }
    ts.contract = contract
    ts.spec = spec
    ts.maxNesting = spec.maxTableNesting ?? DEFAULT_MAX_TABLE_NESTING
    this.roots.set(spec.resource, ts)
    const strategy = spec.writeDisposition === 'merge' ? (spec.mergeStrategy ?? 'delete-insert') : undefined
    ts.idMode = strategy === 'upsert' ? 'key' : strategy === 'scd2' ? 'row' : 'random'
    ts.withRootId = spec.writeDisposition === 'merge'

    // hints by normalized column name
    const hints = new Map<string, ColumnHint>()
    const addHint = (raw: string, h: ColumnHint): void => {
      const col = this.columnNameOf(raw)
      hints.set(col, { ...hints.get(col), ...h })
    }
    for (const [raw, h] of Object.entries(spec.columns ?? {})) addHint(raw, h)
    for (const raw of spec.primaryKey ?? []) addHint(raw, { primaryKey: true, nullable: false })
    for (const raw of spec.mergeKey ?? []) addHint(raw, { mergeKey: true, nullable: false })
    ts.hints = hints
    ts.keyCols = (spec.primaryKey ?? []).map((k) => this.columnNameOf(k))

    if (ts.table !== undefined) {
      const t = ts.table
      t.resource = spec.resource
      t.writeDisposition = spec.writeDisposition
      setOptional(t, 'mergeStrategy', spec.writeDisposition === 'merge' ? strategy : undefined)
      setOptional(t, 'replaceStrategy', spec.replaceStrategy)
      setOptional(t, 'contract', spec.contract)
      for (const [col, h] of hints) {
        const existing = ts.cols.get(col)
        if (existing !== undefined) Object.assign(existing.column, withoutType(h))
        else if (h.dataType !== undefined) this.addColumn(ts, col, h.dataType, h, undefined)
      }
      this.ensureSystemColumns(ts)
      this.propagateDisposition(ts)
    } else if (ts.contract.tables === 'evolve') {
      this.createTable(ts)
    }
    return this.finish()
  }

  flatShapes(resource: string): FlatShapes | undefined {
    const ts = this.roots.get(resource)
    if (ts === undefined || ts.table === undefined || ts.idMode !== 'random' || ts.fastKeys.length === 0)
      return undefined
    return { table: ts.name, keys: ts.fastKeys }
  }

  normalizePage(resource: string, rows: readonly object[], loadId: string): NormalizedPage {
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
    for (let i = 0; i < rows.length; i++) {
      let row = rows[i] as Record<string, unknown>
      if (typeof row !== 'object' || row === null || Array.isArray(row)) row = { value: row }
      try {
        if (ts.table === undefined) this.createTableUnderContract(ts)
        this.normalizeRow(ts, row, rootRows, undefined, undefined, 0)
      } catch (e) {
        if (e !== DISCARD) throw e
        this.discardedRows++
      }
    }
    const changes = this.finish()
    return { tables: out, changes, discardedRows: this.discardedRows }
  }

  // ---- rows -------------------------------------------------------------------------------------------------

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
    if (parentId === undefined && lists === undefined && ts.fastCompiles < MAX_COMPILES) this.compileFast(ts)
    this.finishRow(ts, out, target, parentId, rootId, listIdx, lists)
  }

  /** Compiles the root plan's last shape when it is flat and every column has a fast type. */
  private compileFast(ts: TableState): void {
    const plan = ts.plan
    const keys: FlatKey[] = []
    const seen = new Set<string>()
    for (let i = 0; i < plan.shapeLen; i++) {
      const e = plan.shape[i]
      if (e === undefined || e.sub !== undefined || e.child !== undefined) return
      const col = e.col
      if (col === undefined) {
        keys.push({ key: e.key, column: undefined, type: undefined })
        continue
      }
      if (col.code === T_OTHER || col.code === T_JSON || seen.has(col.name)) return
      seen.add(col.name)
      keys.push({ key: e.key, column: col.name, type: col.type as FlatKey['type'] })
    }
    // a row that left the compiled path for a value (e.g. one for a variant column) has a compiled shape already
    const same = ts.fastKeys.findIndex((k) => sameFlatKeys(k, keys))
    if (same >= 0) {
      ts.fast.push(...ts.fast.splice(same, 1))
      ts.fastKeys.push(...ts.fastKeys.splice(same, 1))
      return
    }
    ts.fastCompiles++
    const fn = compileFlatRow(keys, { loadId: LOAD_ID, id: ID })
    if (fn === undefined) return
    if (ts.fast.length >= MAX_FAST_SHAPES) {
      ts.fast.shift()
      ts.fastKeys.shift()
    }
    ts.fast.push(fn)
    ts.fastKeys.push(keys)
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
      case 'key':
        id = this.keyId(ts, out)
        break
      default:
        id = digestId(rowContent(out))
    }
    out[LOAD_ID] = this.loadId
    out[ID] = id
    target.push(out)
    if (lists === undefined) return
    const childRoot = ts.parent === undefined ? id : rootId
    for (let i = 0; i < lists.length; i += 2) {
      const e = lists[i] as Entry
      const list = lists[i + 1] as unknown[]
      const child = e.child ?? this.childOf(ts, e)
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
        if (ts.table === undefined) this.createTableUnderContract(ts)
        if (item !== null && typeof item === 'object' && !Array.isArray(item) && isPlainObject(item)) {
          this.normalizeRow(ts, item as Record<string, unknown>, target, parentId, rootId, idx)
        } else {
          const out: NormalizedRow = { [PARENT_ID]: parentId, [LIST_IDX]: idx }
          if (ts.withRootId) out[ROOT_ID] = rootId
          let lists: PendingLists | undefined
          if (Array.isArray(item)) {
            // lists inside lists are kept as json in `value`
            const e = ts.plan.entries.get('value') ?? this.newEntry(ts, ts.plan, 'value')
            if (e.col === undefined) this.newColumnValue(ts, e, item, out, 'json')
            else this.slowValue(ts, e.col, item, out)
          } else if (item !== null && item !== undefined) {
            const e = ts.plan.entries.get('value') ?? this.newEntry(ts, ts.plan, 'value')
            lists = this.field(ts, ts.plan, e, item, out, ts.level, undefined)
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
        e = node.entries.get(key) ?? this.newEntry(ts, node, key)
        if (i < 4096) shape[i] = e
      }
      i++
      const v = obj[key]
      if (v === null || v === undefined) continue
      lists = this.field(ts, node, e, v, out, level, lists)
    }
    node.shapeLen = i
    return lists
  }

  /** Handles one non-null field; returns the (possibly new) pending lists. */
  private field(
    ts: TableState,
    node: PlanNode,
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
            e.sub ?? this.subPlan(node, e),
            v as Record<string, unknown>,
            out,
            level + 1,
            lists,
          )
        }
      }
      if (col === undefined) {
        this.newColumnValue(ts, e, v, out, Array.isArray(v) || isPlainObject(v) ? 'json' : undefined)
      } else {
        this.slowValue(ts, col, v, out)
      }
      return lists
    }
    if (col === undefined) {
      this.newColumnValue(ts, e, v, out, undefined)
      return lists
    }
    switch (col.code) {
      case T_TEXT:
        if (typeof v === 'string') {
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
        if (typeof v === 'number') {
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
    this.slowValue(ts, col, v, out)
    return lists
  }

  /** A value whose column does not exist yet: infer (or take the hint), apply the columns contract, add it. */
  private newColumnValue(
    ts: TableState,
    e: Entry,
    v: unknown,
    out: NormalizedRow,
    forced: DataType | undefined,
  ): void {
    const existing = ts.cols.get(e.name)
    if (existing !== undefined) {
      e.col = existing
      this.slowValue(ts, existing, v, out)
      return
    }
    const hint = ts.hints.get(e.name)
    const type = hint?.dataType ?? forced ?? inferDataType(v) ?? 'text'
    if (!this.allowed(ts, 'columns', e.name)) return
    const col = this.addColumn(ts, e.name, type, hint, undefined)
    e.col = col
    this.slowValue(ts, col, v, out)
  }

  /** Coerces into the column, else into a variant column `col__v_<type>` (data_type contract). */
  private slowValue(ts: TableState, col: ColState, v: unknown, out: NormalizedRow): void {
    const r = coerceValue(v, col.type)
    if (r.ok) {
      out[col.name] = r.value
      return
    }
    const vtype = inferDataType(v) ?? 'text'
    let variant = col.variants?.get(vtype)
    if (variant === undefined) {
      const name = shortenFragments([col.name, `v_${vtype}`], this.maxLength)
      variant = ts.cols.get(name)
      if (variant === undefined) {
        if (!this.allowed(ts, 'data_type', col.name)) return
        variant = this.addColumn(ts, name, vtype, undefined, col.name)
      }
      col.variants ??= new Map()
      col.variants.set(vtype, variant)
    }
    const rv = coerceValue(v, variant.type)
    if (rv.ok) out[variant.name] = rv.value
  }

  /** Applies a contract entity for a change in `ts`; false when the value is to be dropped. */
  private allowed(ts: TableState, entity: 'columns' | 'data_type', column: string): boolean {
    if (ts.isNew) return true
    const mode: ContractMode = ts.contract[entity]
    switch (mode) {
      case 'evolve':
        return true
      case 'freeze':
        throw frozenError(entity, ts.name, column)
      case 'discard_row':
        throw DISCARD
      default:
        return false
    }
  }

  private keyId(ts: TableState, out: NormalizedRow): string {
    const cols = ts.keyCols
    if (cols.length === 0) return this.randomId()
    let content = ''
    for (let i = 0; i < cols.length; i++) {
      const v = out[cols[i]!]
      if (v === undefined || v === null) return this.randomId()
      content += i === 0 ? String(v) : '_' + String(v)
    }
    return digestId(content)
  }

  // ---- plans and tables ---------------------------------------------------------------------------------------

  private columnNameOf(raw: string): string {
    const parts = raw.split(PATH_SEPARATOR).filter((p) => p.trim() !== '')
    return shortenFragments(
      parts.map((p) => this.normalizeIdentifier(p)),
      this.maxLength,
    )
  }

  private newEntry(ts: TableState, node: PlanNode, key: string): Entry {
    let frag: string
    try {
      frag = this.normalizeIdentifier(key)
    } catch {
      frag = EMPTY_KEY
    }
    const frags = node.frags.length === 0 ? [frag] : [...node.frags, frag]
    const name = frags.length === 1 ? frag : shortenFragments(frags, this.maxLength)
    const e: Entry = { key, name, frags, col: ts.cols.get(name), sub: undefined, child: undefined }
    node.entries.set(key, e)
    return e
  }

  private subPlan(_node: PlanNode, e: Entry): PlanNode {
    const sub: PlanNode = { frags: e.frags, entries: new Map(), shape: [], shapeLen: 0 }
    e.sub = sub
    return sub
  }

  private childOf(parent: TableState, e: Entry): TableState {
    const frags = [...parent.frags, ...e.frags]
    const name = shortenFragments(frags, this.maxLength)
    let ts = this.states.get(name)
    if (ts === undefined) {
      ts = this.newState(name, frags, parent, parent.level + 1, parent.root.contract)
      this.states.set(name, ts)
    }
    ts.maxNesting = parent.root.maxNesting
    ts.idMode = 'child'
    ts.withRootId = parent.root.withRootId
    if (ts.table !== undefined) {
      this.ensureSystemColumns(ts)
      const disposition = parent.root.table?.writeDisposition
      if (disposition !== undefined && ts.table.writeDisposition !== disposition) {
        ts.table.writeDisposition = disposition
        this.dirty = true
      }
    }
    e.child = ts
    return ts
  }

  private newState(
    name: string,
    frags: readonly string[],
    parent: TableState | undefined,
    level: number,
    contract: ResolvedContract,
  ): TableState {
    const table = this.work.tables[name]
    const ts: TableState = {
      name,
      frags,
      parent,
      root: undefined as unknown as TableState,
      table,
      isNew: !this.initialTables.has(name),
      contract,
      cols: new Map(),
      plan: { frags: [], entries: new Map(), shape: [], shapeLen: 0 },
      fast: [],
      fastKeys: [],
      fastCompiles: 0,
      hints: new Map(),
      level,
      maxNesting: DEFAULT_MAX_TABLE_NESTING,
      idMode: parent === undefined ? 'random' : 'child',
      keyCols: [],
      withRootId: false,
      discarded: false,
      spec: undefined,
    }
    ts.root = parent === undefined ? ts : parent.root
    if (table !== undefined) {
      for (const c of table.columns) ts.cols.set(c.name, colState(c))
      for (const c of table.columns) {
        if (c.variantOf === undefined) continue
        const base = ts.cols.get(c.variantOf)
        if (base === undefined) continue
        base.variants ??= new Map()
        base.variants.set(c.dataType, ts.cols.get(c.name)!)
      }
    }
    return ts
  }

  private createTableUnderContract(ts: TableState): void {
    if (ts.discarded) throw DISCARD
    switch (ts.contract.tables) {
      case 'evolve':
        this.createTable(ts)
        return
      case 'freeze':
        throw frozenError('tables', ts.name, '')
      default:
        ts.discarded = true
        throw DISCARD
    }
  }

  private createTable(ts: TableState): void {
    const root = ts.root
    const spec = root.spec
    const table: Table = {
      name: ts.name,
      columns: [],
      writeDisposition: spec?.writeDisposition ?? 'append',
    }
    if (ts.parent !== undefined) table.parent = ts.parent.name
    else if (spec !== undefined) {
      table.resource = spec.resource
      if (spec.writeDisposition === 'merge') table.mergeStrategy = spec.mergeStrategy ?? 'delete-insert'
      if (spec.replaceStrategy !== undefined) table.replaceStrategy = spec.replaceStrategy
      if (spec.contract !== undefined) table.contract = spec.contract
    }
    for (const c of systemColumnsFor(ts.parent !== undefined, ts.withRootId)) {
      table.columns.push(c)
      ts.cols.set(c.name, colState(c))
    }
    for (const [name, h] of ts.hints) {
      if (h.dataType === undefined || ts.cols.has(name)) continue
      const c: Column = { name, nullable: true, ...h, dataType: h.dataType }
      table.columns.push(c)
      ts.cols.set(name, colState(c))
    }
    ts.table = table
    this.work.tables[ts.name] = table
    this.changes.push({ kind: 'add-table', table: structuredClone(table) })
    this.snapshot = undefined
  }

  private addColumn(
    ts: TableState,
    name: string,
    type: DataType,
    hint: ColumnHint | undefined,
    variantOf: string | undefined,
  ): ColState {
    const column: Column = { name, nullable: true, ...hint, dataType: type }
    if (variantOf !== undefined) column.variantOf = variantOf
    ts.table!.columns.push(column)
    const st = colState(column)
    ts.cols.set(name, st)
    this.changes.push({ kind: 'add-column', table: ts.name, column: { ...column } })
    this.snapshot = undefined
    return st
  }

  /** Adds system columns an existing table lacks (e.g. `_sluice_root_id` after switching to merge). */
  private ensureSystemColumns(ts: TableState): void {
    for (const c of systemColumnsFor(ts.parent !== undefined, ts.withRootId)) {
      // nullable: the table may already hold rows, which an added NOT NULL column would reject
      if (!ts.cols.has(c.name))
        this.addColumn(ts, c.name, c.dataType, { ...withoutType(c), nullable: true }, undefined)
    }
  }

  /** Keeps existing child tables' write disposition in line with their root's. */
  private propagateDisposition(root: TableState): void {
    for (const ts of this.states.values()) {
      if (ts.root !== root || ts === root || ts.table === undefined) continue
      ts.table.writeDisposition = root.table!.writeDisposition
    }
    this.snapshot = undefined
  }

  private finish(): SchemaChange[] {
    const changes = this.changes
    this.changes = []
    if (changes.length > 0 || this.dirty) {
      bumpSchemaVersion(this.work)
      this.snapshot = undefined
      this.dirty = false
    }
    return changes
  }
}

function colState(column: Column): ColState {
  return {
    column,
    name: column.name,
    type: column.dataType,
    code: typeCode(column.dataType),
    variants: undefined,
  }
}

/** The hints of a column or hint object, without its name, type and variant link. */
function withoutType(h: ColumnHint): ColumnHint {
  const rest: ColumnHint & { name?: string; variantOf?: string } = { ...h }
  delete rest.dataType
  delete rest.name
  delete rest.variantOf
  return rest
}

function setOptional<K extends keyof Table>(t: Table, key: K, value: Table[K] | undefined): void {
  if (value === undefined) delete t[key]
  else t[key] = value
}

function isPlainObject(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** Content of a row without system columns, keys sorted: the basis of scd2 row hashes. */
function rowContent(out: NormalizedRow): string {
  const data: Record<string, unknown> = {}
  for (const k in out) {
    const v = out[k]
    if (v !== null && v !== undefined && !k.startsWith(SYSTEM_COLUMN_PREFIX)) data[k] = v
  }
  return canonicalJson(data)
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
