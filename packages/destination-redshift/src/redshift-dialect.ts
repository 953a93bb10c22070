import type { Column, SqlDialect } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'

/** Redshift's identifier limit in bytes; the naming convention shortens longer names before they get here. */
export const REDSHIFT_MAX_IDENTIFIER_LENGTH = 127

/** Redshift's `varchar` limit in bytes (`varchar(max)`): the type of text columns without a length hint. */
export const REDSHIFT_MAX_VARCHAR = 65535

const encoder = new TextEncoder()

/**
 * Quotes an identifier for Redshift: always double-quoted, embedded `"` doubled, case kept (Redshift folds it to
 * lower case unless `enable_case_sensitive_identifier` is on; sluice's names are lower case already). Throws for
 * NUL characters and for names over 127 bytes.
 */
export function quoteRedshiftIdentifier(name: string): string {
  if (name.includes('\u0000')) {
    throw new SluiceError(
      'DESTINATION_IDENTIFIER',
      `[redshift] identifier ${JSON.stringify(name)} contains a NUL character`,
    )
  }
  if (encoder.encode(name).length > REDSHIFT_MAX_IDENTIFIER_LENGTH) {
    throw new SluiceError(
      'DESTINATION_IDENTIFIER',
      `[redshift] identifier "${name}" is longer than ${REDSHIFT_MAX_IDENTIFIER_LENGTH} bytes`,
      { hint: 'shorten the dataset or table name' },
    )
  }
  return `"${name.replaceAll('"', '""')}"`
}

/**
 * The native type of a column (dlt's Redshift mapping): text → `varchar(65535)` (`varchar(n)` with a length
 * hint up to 65535), bigint → `bigint` (`smallint`/`integer` for precision ≤ 16/32 bits), double → `double
 * precision`, bool → `boolean`, timestamp → `timestamp with time zone`, date → `date`, time → `time without time
 * zone`, decimal → `numeric(p,s)` default (38,9), json → `super`, binary → `varbinary` (`varbinary(n)` with a
 * length hint).
 */
export function redshiftColumnType(column: Column): string {
  const p = column.precision
  switch (column.dataType) {
    case 'text':
      return p !== undefined && p > 0 && p < REDSHIFT_MAX_VARCHAR
        ? `varchar(${p})`
        : `varchar(${REDSHIFT_MAX_VARCHAR})`
    case 'bigint':
      if (p !== undefined && p <= 16) return 'smallint'
      if (p !== undefined && p <= 32) return 'integer'
      return 'bigint'
    case 'double':
      return 'double precision'
    case 'bool':
      return 'boolean'
    case 'timestamp':
      return 'timestamp with time zone'
    case 'date':
      return 'date'
    case 'time':
      return 'time without time zone'
    case 'decimal':
      return `numeric(${p ?? 38},${column.scale ?? 9})`
    case 'json':
      return 'super'
    case 'binary':
      return p !== undefined && p > 0 ? `varbinary(${p})` : 'varbinary'
  }
}

/**
 * The {@link SqlDialect} core's SQL layer uses for Redshift: `$n` parameters; no upsert, clone or move (merge is
 * delete-insert or scd2, replace copies from staging inside the publish transaction). Core adds one column per
 * `ALTER TABLE ... ADD COLUMN`, which is all Redshift takes.
 */
export const redshiftDialect: SqlDialect = {
  name: 'redshift',
  quoteIdentifier: quoteRedshiftIdentifier,
  columnType: redshiftColumnType,
  param: (i: number): string => `$${i}`,
}
