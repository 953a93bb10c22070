import type { Column, NormalizedRow } from '@sluice/core/destination'

/**
 * The columns of the `types` suite: one `c_<type>` per data type, plus a decimal with precision and scale.
 * (Not `TRICKY_COLUMNS`: those hold csv edge cases under plain names, with a 38,9 decimal.)
 */
export const TYPE_COLUMNS: readonly Column[] = [
  { name: 'k', dataType: 'bigint' },
  { name: 'c_text', dataType: 'text' },
  { name: 'c_bigint', dataType: 'bigint' },
  { name: 'c_double', dataType: 'double' },
  { name: 'c_bool', dataType: 'bool' },
  { name: 'c_timestamp', dataType: 'timestamp' },
  { name: 'c_date', dataType: 'date' },
  { name: 'c_time', dataType: 'time' },
  { name: 'c_decimal', dataType: 'decimal' },
  { name: 'c_json', dataType: 'json' },
  { name: 'c_binary', dataType: 'binary' },
  { name: 'c_money', dataType: 'decimal', precision: 10, scale: 2 },
]

/** The rows of the `types` suite (and the reader's): two with edge values of every type, one
 * of nulls, one with the extremes. */
export const TYPE_ROWS: readonly NormalizedRow[] = [
  {
    k: 1,
    c_text: 'Grüße 👋 "quoted" \'single\' \\ back\nline',
    c_bigint: '9007199254740993',
    c_double: 1.5e-7,
    c_bool: true,
    c_timestamp: '2024-02-29T23:59:58.123Z',
    c_date: '2024-02-29',
    c_time: '13:14:15.5',
    c_decimal: '12345678901234567890.123456789',
    c_json: { a: [1, 'two', null], b: { c: true } },
    c_binary: btoa('hello\u0000world'),
    c_money: '12345678.91',
  },
  {
    k: 2,
    c_text: '',
    c_bigint: -42,
    c_double: -0.25,
    c_bool: false,
    c_timestamp: '1970-01-01T00:00:00.000Z',
    c_date: '1999-12-31',
    c_time: '00:00:00',
    c_decimal: '-0.5',
    c_json: [1, 2, 3],
    c_binary: '',
    c_money: '-0.01',
  },
  { k: 3 },
  {
    k: 4,
    c_bigint: '-9223372036854775808',
    c_timestamp: '2024-06-01T12:00:00Z',
    c_json: 'just a string',
    c_double: 0,
  },
]
