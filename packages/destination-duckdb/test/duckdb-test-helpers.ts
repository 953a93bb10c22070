import type { Source } from '@sluice/core'
import { vi } from 'vitest'
import { DuckDBClient } from '../src/index.ts'

/**
 * Records every statement a DuckDB client of this destination runs, in `statements`; `failNext(pattern)` makes the
 * next statement that matches fail (once) instead of running. Call once per test file (it spies on the client's
 * prototype).
 */
export function spyOnStatements(): { statements: string[]; failNext(pattern: RegExp | undefined): void } {
  const statements: string[] = []
  let failOn: RegExp | undefined
  type Execute = (sql: string, ...rest: unknown[]) => Promise<void>
  const proto = DuckDBClient.prototype as unknown as { rawExecute: Execute }
  const rawExecute = proto.rawExecute
  vi.spyOn(proto, 'rawExecute').mockImplementation(function (this: unknown, sql: string, ...rest: unknown[]) {
    statements.push(sql)
    if (failOn?.test(sql)) {
      failOn = undefined
      return Promise.reject(new Error(`injected failure of: ${sql.slice(0, 60)}`))
    }
    return rawExecute.call(this, sql, ...rest)
  })
  return {
    statements,
    failNext(pattern) {
      failOn = pattern
    },
  }
}

/** What {@link shopSource} yields. */
export interface ShopPlan {
  /** Tags every row. */
  label: string
  /** The ids of each page of `items`, first to last (inclusive). */
  pages: readonly (readonly [number, number])[]
  /** The `tags` list of an item (a child table). */
  tags(id: number): string[]
  /** Events per page of `events`, as many pages as `items` has. */
  events: number
}

/** A `shop` source: `items` (merge on `id`, with a `tags` child list) and `events` (append). */
export function shopSource(plan: ShopPlan): Source {
  const { label } = plan
  return {
    name: 'shop',
    resources: [
      {
        name: 'items',
        primaryKey: 'id',
        writeDisposition: 'merge',
        async *read() {
          for (const [from, to] of plan.pages) {
            yield Array.from({ length: to - from + 1 }, (_, i) => ({
              id: from + i,
              label,
              tags: plan.tags(from + i),
            }))
          }
        },
      },
      {
        name: 'events',
        writeDisposition: 'append',
        async *read() {
          for (let p = 0; p < plan.pages.length; p++)
            yield Array.from({ length: plan.events }, (_, i) => ({ n: p * plan.events + i, label }))
        },
      },
    ],
  }
}
