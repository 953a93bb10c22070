import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import type { Source } from '@sluice/core'
import { afterAll, vi } from 'vitest'
import { DuckDBClient } from '../src/index.ts'

/**
 * An in-memory DuckDB instance with a connection, and a temporary directory named `prefix...` (for pipelines),
 * all closed and removed after the test file.
 */
export async function memoryDuckDB(
  prefix: string,
): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection; dir: string }> {
  const instance = await DuckDBInstance.create(':memory:')
  const conn = await instance.connect()
  const dir = await mkdtemp(join(tmpdir(), prefix))
  afterAll(async () => {
    conn.closeSync()
    instance.closeSync()
    await rm(dir, { recursive: true, force: true })
  })
  return { instance, conn, dir }
}

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
  /** More fields of an item on a page (0-based). */
  fields?(id: number, page: number): Record<string, unknown>
  /** Runs after each page a resource yielded, before its next one. */
  afterPage?(resource: 'items' | 'events', page: number): Promise<void>
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
          for (const [p, [from, to]] of plan.pages.entries()) {
            yield Array.from({ length: to - from + 1 }, (_, i) => ({
              id: from + i,
              label,
              tags: plan.tags(from + i),
              ...plan.fields?.(from + i, p),
            }))
            await plan.afterPage?.('items', p)
          }
        },
      },
      {
        name: 'events',
        writeDisposition: 'append',
        async *read() {
          for (let p = 0; p < plan.pages.length; p++) {
            yield Array.from({ length: plan.events }, (_, i) => ({ n: p * plan.events + i, label }))
            await plan.afterPage?.('events', p)
          }
        },
      },
    ],
  }
}
