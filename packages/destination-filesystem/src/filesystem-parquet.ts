import type { Column } from '@sluice/core/destination'
import type { SchemaElement } from 'hyparquet-writer'
import { DECIMAL_DEFAULT, decimalBytes } from './filesystem-values.ts'

/**
 * The parquet schema element of a column. Mapping (all columns OPTIONAL):
 * text → BYTE_ARRAY UTF8 (STRING); bigint → INT64; double → DOUBLE; bool → BOOLEAN;
 * timestamp → INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true); date → INT32 DATE;
 * time → INT64 TIME(MICROS, not UTC-adjusted); decimal → FIXED_LEN_BYTE_ARRAY DECIMAL(precision, scale),
 * default (38, 9), precision above 38 → UTF8 string; json → UTF8 string holding the JSON text;
 * binary → BYTE_ARRAY.
 */
export function parquetElement(column: Column): SchemaElement {
  const name = column.name
  const repetition_type = 'OPTIONAL'
  switch (column.dataType) {
    case 'text':
    case 'json':
      return {
        name,
        repetition_type,
        type: 'BYTE_ARRAY',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
      }
    case 'bigint':
      return { name, repetition_type, type: 'INT64' }
    case 'double':
      return { name, repetition_type, type: 'DOUBLE' }
    case 'bool':
      return { name, repetition_type, type: 'BOOLEAN' }
    case 'timestamp':
      return {
        name,
        repetition_type,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      }
    case 'date':
      return { name, repetition_type, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } }
    case 'time':
      return {
        name,
        repetition_type,
        type: 'INT64',
        converted_type: 'TIME_MICROS',
        logical_type: { type: 'TIME', isAdjustedToUTC: false, unit: 'MICROS' },
      }
    case 'decimal': {
      const precision = column.precision ?? DECIMAL_DEFAULT.precision
      const scale = column.scale ?? DECIMAL_DEFAULT.scale
      if (precision > 38) {
        return {
          name,
          repetition_type,
          type: 'BYTE_ARRAY',
          converted_type: 'UTF8',
          logical_type: { type: 'STRING' },
        }
      }
      return {
        name,
        repetition_type,
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: decimalBytes(precision),
        converted_type: 'DECIMAL',
        precision,
        scale,
        logical_type: { type: 'DECIMAL', precision, scale },
      }
    }
    case 'binary':
      return { name, repetition_type, type: 'BYTE_ARRAY' }
  }
}

/** The full parquet schema (root + one element per column). */
export function parquetSchema(columns: readonly Column[]): SchemaElement[] {
  return [{ name: 'root', num_children: columns.length }, ...columns.map(parquetElement)]
}
