// Small helpers of schema evolution: a table's hints (column hints, optional keys, scd2 options) and the contract
// check of a new column or type.
import { frozenError } from '../schema/schema-contract.ts'
import type { ColumnHint, ContractMode, Scd2Options, Table } from '../schema/schema-types.ts'
import { DISCARD, type TableState } from './normalizer-state.ts'

/**
 * Whether the table's contract lets a new column (`columns`) or a new type of a column (`data_type`) in: always
 * for a table new in this run; `freeze` throws, `discard_row` throws {@link DISCARD}, `discard_value` is false.
 */
export function contractAllows(ts: TableState, entity: 'columns' | 'data_type', column: string): boolean {
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

/** The hints of a column or hint object, without its name, type, variant link and source path. */
export function withoutType(h: ColumnHint): ColumnHint {
  const rest: ColumnHint & { name?: string; variantOf?: string; sourcePath?: string[] } = { ...h }
  delete rest.dataType
  delete rest.name
  delete rest.variantOf
  delete rest.sourcePath
  return rest
}

/** Sets `t[key]`, or deletes the key when `value` is undefined (the stored schema keeps no undefined keys). */
export function setOptional<K extends keyof Table>(t: Table, key: K, value: Table[K] | undefined): void {
  if (value === undefined) delete t[key]
  else t[key] = value
}

/**
 * scd2 options with the validity columns named by `identifier` (table-level names) and the row version column by
 * `column` (a path of the source's row, as other columns are named).
 */
export function normalizedScd2(
  options: Scd2Options | undefined,
  identifier: (name: string) => string,
  column: (name: string) => string,
): Scd2Options | undefined {
  if (!options) return undefined
  const { validityColumnNames: names, rowVersionColumnName: version, ...rest } = options
  const out: Scd2Options = { ...rest }
  if (names) out.validityColumnNames = [identifier(names[0]), identifier(names[1])]
  if (version !== undefined) out.rowVersionColumnName = column(version)
  return out
}
