import type { Column, SqlDialect } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'

/** Unity Catalog's limit for names of catalogs, schemas, tables, volumes and columns, in characters. */
export const DATABRICKS_MAX_IDENTIFIER_LENGTH = 255

/** Databricks' largest decimal precision; wider decimals are stored as `STRING`. */
export const DATABRICKS_MAX_DECIMAL_PRECISION = 38

/** True for a character Unity Catalog refuses in names of catalogs, schemas, tables and volumes (not columns). */
function refusedInObjectName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c < 0x20 || c === 0x7f || c === 0x20 || c === 0x2e || c === 0x2f) return true
  }
  return false
}

/**
 * Quotes an identifier for Databricks SQL: backticks, an embedded backtick doubled, case kept (Unity Catalog
 * stores object names in lower case and compares column names case-insensitively). Throws
 * `DESTINATION_IDENTIFIER` for an empty name, a NUL character or a name over 255 characters.
 */
export function quoteDatabricksIdentifier(name: string): string {
  if (name === '' || name.includes('\u0000') || [...name].length > DATABRICKS_MAX_IDENTIFIER_LENGTH) {
    throw new SluiceError('DESTINATION_IDENTIFIER', `[databricks] ${JSON.stringify(name)} cannot be a name`, {
      hint: `names must be 1 to ${DATABRICKS_MAX_IDENTIFIER_LENGTH} characters without NUL (the default snake_case naming keeps to that)`,
    })
  }
  return `\`${name.replaceAll('`', '``')}\``
}

/**
 * Checks the name of a catalog, schema, table or volume against Unity Catalog's rules (no period, space, slash or
 * control character) and quotes it. Throws `DESTINATION_IDENTIFIER` naming the object, before any statement runs.
 */
export function quoteDatabricksObjectName(name: string, kind: string): string {
  if (refusedInObjectName(name)) {
    throw new SluiceError(
      'DESTINATION_IDENTIFIER',
      `[databricks] the ${kind} name ${JSON.stringify(name)} has a period, space, slash or control character, which Unity Catalog does not allow`,
      { hint: 'use letters, digits and underscores (the default snake_case naming does)' },
    )
  }
  return quoteDatabricksIdentifier(name)
}

/**
 * The native type of a column (dlt's Databricks mapping): text `STRING`, bigint `BIGINT`, double `DOUBLE`, bool
 * `BOOLEAN`, timestamp `TIMESTAMP`, date `DATE`, time `STRING` (Databricks has no time type), decimal
 * `DECIMAL(p,s)` (default 38,9; wider than 38 digits `STRING`), json `STRING` (the JSON text), binary `BINARY`.
 */
export function databricksColumnType(column: Column): string {
  switch (column.dataType) {
    case 'text':
    case 'time':
    case 'json':
      return 'STRING'
    case 'bigint':
      return 'BIGINT'
    case 'double':
      return 'DOUBLE'
    case 'bool':
      return 'BOOLEAN'
    case 'timestamp':
      return 'TIMESTAMP'
    case 'date':
      return 'DATE'
    case 'decimal': {
      const precision = column.precision ?? DATABRICKS_MAX_DECIMAL_PRECISION
      if (precision > DATABRICKS_MAX_DECIMAL_PRECISION) return 'STRING'
      return `DECIMAL(${precision},${column.scale ?? 9})`
    }
    case 'binary':
      return 'BINARY'
  }
}

/**
 * The {@link SqlDialect} for Databricks SQL: backtick quoting, `:pN` named parameter markers, `MERGE` for upserts
 * and for deletes (a Delta `DELETE` takes no nested subqueries), `staging-optimized` replace by `CREATE OR
 * REPLACE TABLE ... DEEP CLONE` (a full copy that stays valid when the staging table is emptied and vacuumed),
 * schema and table names checked against Unity Catalog's rules.
 */
export const databricksDialect: SqlDialect = {
  name: 'databricks',
  quoteIdentifier: quoteDatabricksIdentifier,
  columnType: databricksColumnType,
  param: (i: number): string => `:p${i}`,
  upsertSyntax: 'merge',
  deleteSyntax: 'merge',
  qualify: (schema: string, table: string): string =>
    `${quoteDatabricksObjectName(schema, 'schema')}.${quoteDatabricksObjectName(table, 'table')}`,
  cloneTableSql: (target: string, source: string): string =>
    `CREATE OR REPLACE TABLE ${target} DEEP CLONE ${source}`,
}
