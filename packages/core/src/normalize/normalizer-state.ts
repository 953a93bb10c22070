// What the normalizer keeps per table between pages, shared by its row path (normalizer.ts) and its schema
// evolution (normalize-evolution.ts). Internal to the normalize area.
import type { ResolvedContract } from '../schema/schema-contract.ts'
import type { Column, ColumnHint, DataType, Table } from '../schema/schema-types.ts'
import type { FlatKey, FlatRowFn, ResourceTableSpec } from './normalize-types.ts'

/** Default `maxTableNesting`, as in dlt. */
export const DEFAULT_MAX_TABLE_NESTING = 1000

// Fast-path codes per column type; everything else goes through coerceValue. The row path copies them into
// constants of its own module: V8 (Node.js 20) compares against imported bindings markedly slower.
export const T_OTHER = 0
export const T_TEXT = 1
export const T_BIGINT = 2
export const T_DOUBLE = 3
export const T_BOOL = 4
export const T_TIMESTAMP = 5
export const T_JSON = 6

/** The fast-path code of a column type ({@link T_OTHER} for any type without one). */
export function typeCode(t: DataType): number {
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

/** The owner of names no source key may take: system columns (`_sluice_*`) and variant columns. */
export const RESERVED = '\u0000reserved'

/** Thrown inside a row to drop it (`discard_row`); never escapes the normalizer. */
export const DISCARD: unique symbol = Symbol('discard-row')

/** A column as the row path sees it: its name, type and type code, and its variant columns by type. */
export interface ColState {
  readonly column: Column
  readonly name: string
  readonly type: DataType
  readonly code: number
  /** Variant column names by the variant's type. */
  variants: Map<DataType, ColState> | undefined
}

/** A source key of a plan: the column it fills, or the nested object or list it holds. */
export interface Entry {
  /** The source key. */
  readonly key: string
  /** The source keys from the table's row down to this one (raw, before naming). */
  readonly path: readonly string[]
  /** Normalized column name (full path within the table, shortened). */
  readonly name: string
  /** Normalized path fragments of this key relative to the table. */
  readonly frags: readonly string[]
  col: ColState | undefined
  sub: PlanNode | undefined
  child: TableState | undefined
}

/** How the keys of one object (a row, or an object nested in it) map to columns. */
export interface PlanNode {
  readonly frags: readonly string[]
  /** The source keys from the table's row down to this object (raw, before naming). */
  readonly path: readonly string[]
  readonly entries: Map<string, Entry>
  /** Entries in the key order of the last object seen: rows of one API mostly share it, so no Map lookup. */
  readonly shape: (Entry | undefined)[]
  /** How many keys the last object had. */
  shapeLen: number
}

/** Everything the normalizer knows of one table: its schema table, columns, plan, contract and compiled shapes. */
export interface TableState {
  readonly name: string
  readonly frags: readonly string[]
  /** Child tables: the source keys of the list within a parent row. */
  readonly sourcePath: readonly string[] | undefined
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
  /** The source keys each hint names (by normalized name). */
  hintPaths: Map<string, string[]>
  /** Base nesting level of this table's rows. */
  readonly level: number
  maxNesting: number
  /**
   * How rows get `_sluice_id`: at random; `ordered` (merge with a primary key) by their position in extraction
   * order, then at random (see `createOrderedIds`); `row` a hash of the row (scd2); `child` from parent and position.
   */
  idMode: 'random' | 'ordered' | 'row' | 'child'
  /** The primary key's columns (merge). */
  keyCols: string[]
  /** The position of the next root row in extraction order (`ordered` ids), when the caller gives none. */
  nextOrder: number
  /**
   * Which source path holds each name within the table (a column, or the prefix of a nested object's or a list's
   * columns), as JSON of the path; {@link RESERVED} for system and variant columns. The first path to claim a name
   * keeps it; another path that normalizes to it gets a tagged name (see `SchemaEvolution.entry`).
   */
  owners: Map<string, string>
  /** The name each source path (JSON) had in the stored schema, so that it keeps it. */
  names: Map<string, string>
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

/** A column's state: its type code for the fast path, no variants known yet. */
export function colState(column: Column): ColState {
  return {
    column,
    name: column.name,
    type: column.dataType,
    code: typeCode(column.dataType),
    variants: undefined,
  }
}
