export { SUITE_NAMES, testDestination } from './testkit-suites.ts'
export type { DestinationUnderTest, TestDestinationOptions } from './testkit-types.ts'
export { canonical, canonicalRows } from './testkit-values.ts'
