import type { DestinationUnderTest, TestDestinationOptions } from './testkit-types.ts'

/** Names of the conformance suites, usable in `options.skip`. */
export const SUITE_NAMES: readonly string[] = []

/**
 * Registers the conformance suites (vitest `describe` blocks) for a destination. Suites whose capability the
 * destination lacks are skipped with a printed reason. Call it at the top level of a test file.
 */
export function testDestination(d: DestinationUnderTest, options: TestDestinationOptions = {}): void {
  void d
  void options
}
