import type { Column, Table } from '../../schema/schema-types.ts'
import type { DestinationCapabilities } from '../destination-types.ts'
import type { SqlDialect } from './sql-types.ts'

/** Suffix of the staging schema: `<dataset>_staging`. */
export const STAGING_SUFFIX = '_staging'

/**
 * System columns the SQL layer relies on (the normalizer writes them; see its `SYSTEM_COLUMNS`). The scd2 validity
 * columns exist only on scd2 root tables in the dataset.
 */
export const SYSTEM_COLUMNS: {
  readonly id: '_sluice_id'
  readonly loadId: '_sluice_load_id'
  readonly parentId: '_sluice_parent_id'
  readonly listIdx: '_sluice_list_idx'
  readonly rootId: '_sluice_root_id'
  readonly validFrom: '_sluice_valid_from'
  readonly validTo: '_sluice_valid_to'
} = Object.freeze({
  id: '_sluice_id',
  loadId: '_sluice_load_id',
  parentId: '_sluice_parent_id',
  listIdx: '_sluice_list_idx',
  rootId: '_sluice_root_id',
  validFrom: '_sluice_valid_from',
  validTo: '_sluice_valid_to',
} as const)

/** Validity columns of scd2 root tables (in the dataset only; core fills them on publish). */
export const SCD2_COLUMNS: {
  readonly validFrom: '_sluice_valid_from'
  readonly validTo: '_sluice_valid_to'
} = {
  validFrom: '_sluice_valid_from',
  validTo: '_sluice_valid_to',
}

/**
 * Names and quoting for one dataset: the dataset schema and its staging schema. Every identifier goes through the
 * engine's case rule (`identifierCase`) before the dialect quotes it.
 */
export class SqlNames {
  readonly dialect: SqlDialect
  readonly dataset: string
  readonly staging: string
  private readonly identifierCase: DestinationCapabilities['identifierCase']
  /** Tables staged in a dataset table of their own instead of `<staging>.<name>` (see {@link stageIn}). */
  private readonly stagedIn = new Map<string, string>()

  constructor(
    dialect: SqlDialect,
    dataset: string,
    identifierCase: DestinationCapabilities['identifierCase'] = 'preserve',
  ) {
    this.dialect = dialect
    this.dataset = dataset
    this.staging = dataset + STAGING_SUFFIX
    this.identifierCase = identifierCase
  }

  /** A name as the engine stores it: upper-cased where `identifierCase` is `upper`, else as given. */
  stored(name: string): string {
    return this.identifierCase === 'upper' ? name.toUpperCase() : name
  }

  /**
   * Stages `table` in the dataset table `datasetTable` from now on (a rename publish moves it into place), or
   * in `<staging>.<table>` again when `datasetTable` is undefined.
   */
  stageIn(table: string, datasetTable: string | undefined): void {
    if (datasetTable === undefined) this.stagedIn.delete(table)
    else this.stagedIn.set(table, datasetTable)
  }

  /** The dataset table `table` is staged in, when it is not `<staging>.<table>`. */
  stagedInDataset(table: string): string | undefined {
    return this.stagedIn.get(table)
  }

  /** Quotes one identifier through the dialect, the case rule applied. */
  q(name: string): string {
    return this.dialect.quoteIdentifier(this.stored(name))
  }

  /** Quoted, qualified table in the dataset (or where it is staged when `staging` is true). */
  table(name: string, staging = false): string {
    const moved = staging ? this.stagedIn.get(name) : undefined
    if (moved !== undefined) return this.table(moved)
    const schema = staging ? this.staging : this.dataset
    return this.dialect.qualify
      ? this.dialect.qualify(this.stored(schema), this.stored(name))
      : `${this.q(schema)}.${this.q(name)}`
  }

  /** Placeholder for the 1-based parameter `i`. */
  param(i: number): string {
    return this.dialect.param ? this.dialect.param(i) : `$${i}`
  }

  /** `CAST(<param> AS <type of column>)`. */
  typedParam(i: number, column: Column): string {
    return `CAST(${this.param(i)} AS ${this.dialect.columnType(column)})`
  }
}

/** `CREATE SCHEMA IF NOT EXISTS`. */
export function createSchemaSql(names: SqlNames, schema: string): string {
  return `CREATE SCHEMA IF NOT EXISTS ${names.q(schema)}`
}

/** A column definition (all columns are nullable: rows are checked by core, not by constraints). */
export function columnDefinitionSql(names: SqlNames, column: Column): string {
  return `${names.q(column.name)} ${names.dialect.columnType(column)}`
}

/** `CREATE TABLE IF NOT EXISTS` with the given columns. */
export function createTableSql(
  names: SqlNames,
  table: string,
  columns: readonly Column[],
  staging = false,
): string {
  const defs = columns.map((c) => columnDefinitionSql(names, c)).join(', ')
  return `CREATE TABLE IF NOT EXISTS ${names.table(table, staging)} (${defs})`
}

/** `ALTER TABLE .. ADD COLUMN`. */
export function addColumnSql(names: SqlNames, table: string, column: Column, staging = false): string {
  return `ALTER TABLE ${names.table(table, staging)} ADD COLUMN ${columnDefinitionSql(names, column)}`
}

/** `DROP TABLE IF EXISTS`. */
export function dropTableSql(names: SqlNames, table: string, staging = false): string {
  return `DROP TABLE IF EXISTS ${names.table(table, staging)}`
}

/** `DELETE FROM` (portable truncate that works inside transactions). */
export function deleteAllSql(names: SqlNames, table: string, staging = false): string {
  return `DELETE FROM ${names.table(table, staging)}`
}

/** The validity column names of an scd2 root: its `scd2.validityColumnNames`, else `SCD2_COLUMNS`. */
export function validityColumnsOf(table: Table): { from: string; to: string } {
  const [from, to] = table.scd2?.validityColumnNames ?? [SCD2_COLUMNS.validFrom, SCD2_COLUMNS.validTo]
  return { from, to }
}

/** The scd2 validity columns a root table gets in the dataset (not in staging). */
export function scd2Columns(table: Table): Column[] {
  const { from, to } = validityColumnsOf(table)
  return [
    { name: from, dataType: 'timestamp', nullable: true },
    { name: to, dataType: 'timestamp', nullable: true },
  ]
}

/** True when the table (a root) keeps scd2 history. */
export function isScd2Root(table: Table): boolean {
  return !table.parent && table.writeDisposition === 'merge' && table.mergeStrategy === 'scd2'
}

/**
 * The columns a table has in the dataset: the schema's columns, plus the scd2 validity columns on scd2 roots.
 * Staging tables hold only the schema's columns without the validity columns.
 */
export function targetColumns(table: Table): Column[] {
  const cols = table.columns.slice()
  if (isScd2Root(table)) {
    for (const c of scd2Columns(table)) if (!cols.some((x) => x.name === c.name)) cols.push(c)
  }
  return cols
}

/** The columns of a staging table (validity columns left out: core sets them on publish). */
export function stagingColumns(table: Table): Column[] {
  const { from, to } = validityColumnsOf(table)
  const validity = new Set<string>([SCD2_COLUMNS.validFrom, SCD2_COLUMNS.validTo, from, to])
  return table.columns.filter((c) => !validity.has(c.name))
}
