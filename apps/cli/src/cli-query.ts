// `sluice pipeline NAME query | tables | head`: what a pipeline loaded, read through its destination's read-only
// reader (the dataset API of @sluice/core).
import type { Dataset, Relation, RowCount, Schema } from '@sluice/core'
import { UsageError } from './cli-errors.ts'
import { ROW_FORMATS, type RowFormat, rowWriter } from './cli-output.ts'
import type { CliIO } from './cli-types.ts'

/** Rows `query` prints unless `--limit` says otherwise. */
export const DEFAULT_QUERY_LIMIT = 1000

/** Rows `head` prints unless `-n` says otherwise. */
export const DEFAULT_HEAD_ROWS = 10

/** Parses `--format` for rows (default `table`). */
export function rowFormat(value: string | undefined): RowFormat {
  const format = (value ?? 'table') as RowFormat
  if (!ROW_FORMATS.includes(format))
    throw new UsageError(`--format "${value}" is not one of ${ROW_FORMATS.join(', ')}`)
  return format
}

/** Parses a count flag (`--limit`, `-n`): a whole number of 0 or more. */
export function countFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${flag} "${value}" must be a whole number of 0 or more`)
  return n
}

/**
 * Prints a relation's rows in a format, at most `limit` of them (0: all); says when rows were cut (below a
 * table, on stderr for the other formats, whose output stays parseable).
 */
export async function printRows(
  relation: Relation,
  io: CliIO,
  format: RowFormat,
  limit: number,
): Promise<void> {
  const width =
    format === 'table' && io.stdout.isTTY ? (io.stdout as { columns?: number }).columns : undefined
  const writer = rowWriter(format, (text) => io.stdout.write(text), width)
  let printed = 0
  let begun = false
  let more = false
  const chunkSize = limit > 0 ? Math.min(limit + 1, 1000) : 1000
  for await (const chunk of relation.iterTuples({ chunkSize })) {
    if (!begun) {
      writer.begin(chunk.columns)
      begun = true
    }
    let rows = chunk.rows
    if (limit > 0 && printed + rows.length > limit) {
      rows = rows.slice(0, limit - printed)
      more = true
    }
    writer.rows(rows)
    printed += rows.length
    if (more) break
  }
  if (!begun) writer.begin([])
  writer.end()
  if (more) {
    const note = `(the first ${printed} rows; --limit N prints more, --limit 0 all)\n`
    if (format === 'table') io.stdout.write(note)
    else io.stderr.write(`[sluice] ${note}`)
  } else if (format === 'table') io.stdout.write(`(${printed} row${printed === 1 ? '' : 's'})\n`)
}

/** Row counts of the data tables as a tree: each child table under its parent, indented. */
export function formatTables(schemas: readonly Schema[], counts: readonly RowCount[]): string {
  const parent = new Map<string, string | undefined>()
  for (const s of schemas) for (const t of Object.values(s.tables)) parent.set(t.name, t.parent)
  const depth = (name: string): number => {
    let d = 0
    for (let p = parent.get(name); p !== undefined; p = parent.get(p)) d++
    return d
  }
  const labels = counts.map(
    (c) => `${'  '.repeat(depth(c.table))}${depth(c.table) > 0 ? '└ ' : ''}${c.table}`,
  )
  const width = Math.max('table'.length, ...labels.map((l) => l.length))
  const rowsWidth = Math.max('rows'.length, ...counts.map((c) => String(c.rows).length))
  const lines = [
    `${'table'.padEnd(width)}  ${'rows'.padStart(rowsWidth)}`,
    `${'-'.repeat(width)}  ${'-'.repeat(rowsWidth)}`,
  ]
  counts.forEach((c, i) => {
    lines.push(`${labels[i]!.padEnd(width)}  ${String(c.rows).padStart(rowsWidth)}`)
  })
  return `${lines.join('\n')}\n`
}

/** What `query`, `tables` and `head` get from the pipeline command. */
export interface QueryCommand {
  command: 'query' | 'tables' | 'head'
  /** The positional arguments after the command (the SQL, the table). */
  args: readonly string[]
  format: string | undefined
  limit: string | undefined
  rows: string | undefined
}

/** Runs `query`, `tables` or `head` on a dataset; returns the exit code. */
export async function queryCommand(dataset: Dataset, command: QueryCommand, io: CliIO): Promise<number> {
  switch (command.command) {
    case 'query': {
      const sql = command.args.join(' ').trim()
      if (sql === '')
        throw new UsageError('query needs a SQL statement: sluice pipeline NAME query "select ..."')
      const limit = countFlag('--limit', command.limit, DEFAULT_QUERY_LIMIT)
      await printRows(dataset.query(sql), io, rowFormat(command.format), limit)
      return 0
    }
    case 'head': {
      const [table, ...extra] = command.args
      if (!table || extra.length > 0)
        throw new UsageError('head needs one table: sluice pipeline NAME head TABLE [-n 10]')
      const n = countFlag('-n', command.rows, DEFAULT_HEAD_ROWS)
      await printRows(dataset.table(table).head(n), io, rowFormat(command.format), 0)
      return 0
    }
    case 'tables': {
      const counts = await dataset.rowCounts()
      if (command.format !== undefined && command.format !== 'table') {
        const writer = rowWriter(rowFormat(command.format), (t) => io.stdout.write(t))
        writer.begin([
          { name: 'table', dataType: 'text' },
          { name: 'rows', dataType: 'bigint' },
        ])
        writer.rows(counts.map((c) => [c.table, c.rows]))
        writer.end()
        return 0
      }
      const schemas: Schema[] = []
      try {
        schemas.push(await dataset.schema())
      } catch {
        // without a schema the tables print flat
      }
      io.stdout.write(formatTables(schemas, counts))
      return 0
    }
  }
}
