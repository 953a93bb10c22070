export { TRICKY_COLUMNS, TRICKY_LONG_TEXT, TRICKY_ROWS, writeJobFile } from './testkit-csv-cases.ts'
export { SUITE_NAMES, testDestination } from './testkit-suites.ts'
export type { DestinationUnderTest, TestDestinationOptions } from './testkit-types.ts'
export { canonical, canonicalRows } from './testkit-values.ts'
