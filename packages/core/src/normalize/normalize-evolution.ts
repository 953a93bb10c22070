import { normalizeIdentifier, PATH_SEPARATOR, shortenFragments } from '../schema/naming-convention.ts'
import { frozenError, type ResolvedContract, resolveContract } from '../schema/schema-contract.ts'
import type {
  Column,
  ColumnHint,
  DataType,
  Scd2Options,
  Schema,
  SchemaChange,
  Table,
} from '../schema/schema-types.ts'
import { bumpSchemaVersion, cloneSchema, emptySchema } from '../schema/schema-versioning.ts'
import { inferDataType } from '../schema/type-inference.ts'
import { claimHinted, claimUnrecorded, keyName, loadOwners, variantName } from './normalize-names.ts'
import { contractAllows, normalizedScd2, setOptional, withoutType } from './normalize-rules.ts'
import type { NormalizerOptions, ResourceTableSpec } from './normalize-types.ts'
import {
  type ColState,
  colState,
  DEFAULT_MAX_TABLE_NESTING,
  DISCARD,
  type Entry,
  type PlanNode,
  RESERVED,
  type TableState,
} from './normalizer-state.ts'
import { SYSTEM_COLUMN_PREFIX, systemColumnsFor } from './system-columns.ts'
import { ValueNotes } from './value-notes.ts'

/**
 * What the normalizer learns as data comes: plan entries for keys not seen before, and its schema's tables,
 * columns and variant columns added as data asks for them,
 * under the schema contract (resource spec, then the normalizer's, then the schema's, per entity). Tables created
 * during the normalizer's life accept new columns and variants whatever the contract (as in dlt); `freeze` throws
 * `SCHEMA_FROZEN`, `discard_row` drops the row (a new table's rows: all of them), `discard_value` the value.
 * The row path calls it only for what is new: a key, a table, a column, a variant.
 */
export class SchemaEvolution {
  /** The schema being evolved (the normalizer's own copy). */
  private readonly work: Schema
  /** Destination identifier limit. */
  readonly maxLength: number
  private readonly options: NormalizerOptions
  private readonly initialTables: Set<string>
  /** Every table's state by normalized name. */
  private readonly states = new Map<string, TableState>()
  /** Changes not yet returned; a call that throws leaves its changes here for the next call to return. */
  private changes: SchemaChange[] = []
  private dirty = true
  private snapshot: Schema | undefined
  /** Source keys renamed since the normalizer last took the notes. */
  readonly notes: ValueNotes = new ValueNotes()

  constructor(schema: Schema | undefined, options: NormalizerOptions) {
    this.options = options
    this.maxLength = options.maxIdentifierLength ?? 65536
    this.work = schema === undefined ? emptySchema(options.schemaName) : cloneSchema(schema)
    this.initialTables = new Set(options.initialTables ?? Object.keys(this.work.tables))
  }

  /** A snapshot of the current schema (a new object after each change; read-only). */
  get schema(): Schema {
    this.snapshot ??= cloneSchema(this.work)
    return this.snapshot
  }

  /** The naming convention applied to one identifier, within the destination's identifier limit. */
  normalizeIdentifier(name: string): string {
    return normalizeIdentifier(name, this.maxLength)
  }

  /**
   * Declares a resource's root table with its hints, disposition and contract (creating the table when the
   * contract lets it); returns the table's state. Call {@link finish} for the changes.
   */
  register(spec: ResourceTableSpec): TableState {
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
    const strategy = spec.writeDisposition === 'merge' ? (spec.mergeStrategy ?? 'delete-insert') : undefined
    const keyed = (spec.primaryKey ?? []).length > 0
    // scd2 tells versions apart by the row hash in _sluice_id, or by the row version column (ids are random then)
    const scd2 = strategy === 'scd2' ? this.scd2Of(spec) : undefined
    ts.idMode =
      strategy === 'scd2' && !scd2?.rowVersionColumnName
        ? 'row'
        : strategy !== undefined && strategy !== 'scd2' && keyed
          ? 'ordered'
          : 'random'
    ts.withRootId = spec.writeDisposition === 'merge'

    // hints by normalized column name; hinted keys keep their names (see normalize-names.ts)
    const hints = new Map<string, ColumnHint>()
    const addHint = (raw: string, h: ColumnHint): void => {
      const parts = this.partsOf(raw)
      const col = this.columnNameOf(raw)
      claimHinted(ts, col, parts)
      ts.hintPaths.set(col, parts)
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
      setOptional(t, 'scd2', scd2)
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
    return ts
  }

  /**
   * The plan entry of a key `node` has not seen: its column name (blank keys become `_empty`, as in dlt; a key
   * named like another key of the table gets a tagged name, see `keyName`).
   */
  entry(ts: TableState, node: PlanNode, key: string): Entry {
    const { frag, name, path, renamed } = keyName(ts, node, key, this.maxLength)
    if (renamed) this.notes.add(ts.name, path.join('.'), 'renamed-key', 1, name)
    const frags = node.frags.length === 0 ? [frag] : [...node.frags, frag]
    const col = ts.cols.get(name)
    if (col !== undefined && claimUnrecorded(ts, col, path)) {
      this.dirty = true
      this.snapshot = undefined
    }
    const e: Entry = { key, path, name, frags, col, sub: undefined, child: undefined }
    node.entries.set(key, e)
    return e
  }

  /** The plan of the object an entry holds (its keys flatten to `entry__key` columns). */
  subPlan(e: Entry): PlanNode {
    const sub: PlanNode = { frags: e.frags, path: e.path, entries: new Map(), shape: [], shapeLen: 0 }
    e.sub = sub
    return sub
  }

  /** The state of the child table a list key of `parent` goes to (made on its first list). */
  childOf(parent: TableState, e: Entry): TableState {
    const frags = [...parent.frags, ...e.frags]
    const name = shortenFragments(frags, this.maxLength)
    let ts = this.states.get(name)
    if (ts === undefined) {
      ts = this.newState(name, frags, parent, parent.level + 1, parent.root.contract, e.path)
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

  /** Creates the table of a state's first row under the tables contract (throws {@link DISCARD} to drop it). */
  createTableUnderContract(ts: TableState): void {
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

  /**
   * The column for a value whose column does not exist yet: its hint's type, `forced`, or the value's inferred
   * type, under the columns contract; undefined when the value is to be dropped.
   */
  addValueColumn(ts: TableState, e: Entry, v: unknown, forced: DataType | undefined): ColState | undefined {
    const name = e.name
    const hint = ts.hints.get(name)
    const type = hint?.dataType ?? forced ?? inferDataType(v) ?? 'text'
    if (!contractAllows(ts, 'columns', name)) return undefined
    return this.addColumn(ts, name, type, hint, undefined, e.path)
  }

  /**
   * The variant column `col__v_<type>` for values of `type` that do not fit `col` (found or added under the
   * data_type contract, and remembered on `col`); undefined when the value is to be dropped.
   */
  addVariant(ts: TableState, col: ColState, type: DataType): ColState | undefined {
    const name = variantName(ts, col, type, this.maxLength)
    let variant = ts.cols.get(name)
    if (variant === undefined) {
      if (!contractAllows(ts, 'data_type', col.name)) return undefined
      variant = this.addColumn(ts, name, type, undefined, col.name)
    }
    col.variants ??= new Map()
    col.variants.set(type, variant)
    return variant
  }

  /** The changes since the last call (the schema's version bumped when anything changed). */
  finish(): SchemaChange[] {
    const changes = this.changes
    this.changes = []
    if (changes.length > 0 || this.dirty) {
      bumpSchemaVersion(this.work)
      this.snapshot = undefined
      this.dirty = false
    }
    return changes
  }

  /** The source keys of a hint's or key's name in source naming (`a__b` is key `b` of object `a`). */
  private partsOf(raw: string): string[] {
    return raw.split(PATH_SEPARATOR).filter((p) => p.trim() !== '')
  }

  private columnNameOf(raw: string): string {
    return shortenFragments(
      this.partsOf(raw).map((p) => this.normalizeIdentifier(p)),
      this.maxLength,
    )
  }

  /** Applies a contract entity for a change in `ts`; false when the value is to be dropped. */
  private newState(
    name: string,
    frags: readonly string[],
    parent: TableState | undefined,
    level: number,
    contract: ResolvedContract,
    sourcePath?: readonly string[],
  ): TableState {
    const table = this.work.tables[name]
    const ts: TableState = {
      name,
      frags,
      sourcePath,
      parent,
      root: undefined as unknown as TableState,
      table,
      isNew: !this.initialTables.has(name),
      contract,
      cols: new Map(),
      plan: { frags: [], path: [], entries: new Map(), shape: [], shapeLen: 0 },
      fast: [],
      fastKeys: [],
      fastCompiles: 0,
      hints: new Map(),
      hintPaths: new Map(),
      level,
      maxNesting: DEFAULT_MAX_TABLE_NESTING,
      idMode: parent === undefined ? 'random' : 'child',
      keyCols: [],
      nextOrder: 0,
      owners: new Map(),
      names: new Map(),
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
    const children = Object.values(this.work.tables).filter((t) => t.parent === name)
    loadOwners(ts, table, children)
    return ts
  }

  /** A spec's scd2 options with normalized column names. */
  private scd2Of(spec: ResourceTableSpec): Scd2Options | undefined {
    return normalizedScd2(
      spec.scd2,
      (n) => this.normalizeIdentifier(n),
      (n) => this.columnNameOf(n),
    )
  }

  private createTable(ts: TableState): void {
    const root = ts.root
    const spec = root.spec
    const table: Table = {
      name: ts.name,
      columns: [],
      writeDisposition: spec?.writeDisposition ?? 'append',
    }
    if (ts.parent !== undefined) {
      table.parent = ts.parent.name
      if (ts.sourcePath !== undefined) table.sourcePath = [...ts.sourcePath]
    } else if (spec !== undefined) {
      table.resource = spec.resource
      if (spec.writeDisposition === 'merge') table.mergeStrategy = spec.mergeStrategy ?? 'delete-insert'
      const scd2 = table.mergeStrategy === 'scd2' ? this.scd2Of(spec) : undefined
      if (scd2) table.scd2 = scd2
      if (spec.replaceStrategy !== undefined) table.replaceStrategy = spec.replaceStrategy
      if (spec.contract !== undefined) table.contract = spec.contract
    }
    for (const c of systemColumnsFor(ts.parent !== undefined, ts.withRootId)) {
      table.columns.push(c)
      ts.cols.set(c.name, colState(c))
      ts.owners.set(c.name, RESERVED)
    }
    for (const [name, h] of ts.hints) {
      if (h.dataType === undefined || ts.cols.has(name)) continue
      const c: Column = { name, nullable: true, ...h, dataType: h.dataType }
      const path = ts.hintPaths.get(name)
      if (path !== undefined) c.sourcePath = [...path]
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
    sourcePath?: readonly string[],
  ): ColState {
    const column: Column = { name, nullable: true, ...hint, dataType: type }
    const path = sourcePath ?? ts.hintPaths.get(name)
    if (variantOf !== undefined) column.variantOf = variantOf
    if (variantOf !== undefined || (path === undefined && name.startsWith(SYSTEM_COLUMN_PREFIX)))
      ts.owners.set(name, RESERVED)
    if (path !== undefined && variantOf === undefined) column.sourcePath = [...path]
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
}
