import { SluiceError } from '../errors.ts'
import type { ContractMode, SchemaContract } from './schema-types.ts'

/** A contract with a mode for each entity. */
export interface ResolvedContract {
  tables: ContractMode
  columns: ContractMode
  data_type: ContractMode
}

/**
 * Resolves contracts given from most to least specific (e.g. resource, run, schema) into one mode per entity:
 * for each entity the first contract that sets it wins; a single mode string sets all three; unset entities evolve.
 */
export function resolveContract(...contracts: readonly (SchemaContract | undefined)[]): ResolvedContract {
  const out: Partial<ResolvedContract> = {}
  for (const c of contracts) {
    if (c === undefined) continue
    const full = typeof c === 'string' ? { tables: c, columns: c, data_type: c } : c
    out.tables ??= full.tables
    out.columns ??= full.columns
    out.data_type ??= full.data_type
  }
  return {
    tables: out.tables ?? 'evolve',
    columns: out.columns ?? 'evolve',
    data_type: out.data_type ?? 'evolve',
  }
}

/** The error a `freeze` contract raises, naming the table and (when given) the column. */
export function frozenError(
  entity: 'tables' | 'columns' | 'data_type',
  table: string,
  detail: string,
): SluiceError {
  const what =
    entity === 'tables'
      ? `new table "${table}"`
      : entity === 'columns'
        ? `new column "${detail}" in table "${table}"`
        : `column "${detail}" in table "${table}" got a value of another data type (it would need a variant column)`
  return new SluiceError('SCHEMA_FROZEN', `schema contract "${entity}: freeze" rejects ${what}`, {
    hint: `set the contract's "${entity}" to "evolve" (or "discard_row"/"discard_value") to accept it, or fix the data`,
  })
}
