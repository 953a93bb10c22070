// Query results on the terminal and in files: a table fitted to the terminal's width, JSON, JSON lines or CSV.
import type { RelationColumn } from '@sluice/core'

/** Output formats of `sluice pipeline NAME query` and `head`. */
export type RowFormat = 'table' | 'json' | 'jsonl' | 'csv'

/** The formats, for flags and messages. */
export const ROW_FORMATS: readonly RowFormat[] = ['table', 'json', 'jsonl', 'csv']

/** A value for JSON: bigints beyond 2^53 as strings, bytes as hex, dates in ISO. */
function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return String(value)
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  return value
}

function jsonRow(columns: readonly RelationColumn[], row: readonly unknown[]): string {
  const out: Record<string, unknown> = {}
  columns.forEach((c, i) => {
    out[c.name] = jsonValue(row[i])
  })
  return JSON.stringify(out, (_, v) => jsonValue(v))
}

/** A value as text in a table or CSV cell. */
export function textValue(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`
  if (typeof value === 'object') return JSON.stringify(value, (_, v) => jsonValue(v))
  return String(value)
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** Writes rows as they come, in one format. */
export interface RowWriter {
  /** The result's columns, before any rows. */
  begin(columns: readonly RelationColumn[]): void
  rows(rows: readonly (readonly unknown[])[]): void
  /** After the last rows. */
  end(): void
}

const MIN_WIDTH = 4

/** Column widths that fit `total` characters (with two spaces between columns), narrowing the widest first. */
export function fitWidths(natural: readonly number[], total: number | undefined): number[] {
  const widths = [...natural]
  if (total === undefined) return widths
  const budget = total - 2 * Math.max(0, widths.length - 1)
  let sum = widths.reduce((a, b) => a + b, 0)
  while (sum > budget) {
    let widest = 0
    for (let i = 1; i < widths.length; i++) if (widths[i]! > widths[widest]!) widest = i
    if (widths[widest]! <= MIN_WIDTH) break
    widths[widest]!--
    sum--
  }
  return widths
}

function cut(text: string, width: number): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ')
  return flat.length > width ? `${flat.slice(0, Math.max(0, width - 1))}…` : flat
}

/** A table of the rows (it collects them to size the columns), fitted to `width` when given. */
function tableWriter(write: (text: string) => void, width: number | undefined): RowWriter {
  let columns: readonly RelationColumn[] = []
  const rows: string[][] = []
  const numeric: boolean[] = []
  return {
    begin(c) {
      columns = c
      c.forEach((col, i) => {
        numeric[i] = col.dataType === 'bigint' || col.dataType === 'double' || col.dataType === 'decimal'
      })
    },
    rows(batch) {
      for (const row of batch) {
        rows.push(
          columns.map((_, i) => {
            const v = row[i]
            if (typeof v === 'number' || typeof v === 'bigint') numeric[i] = true
            return v === null || v === undefined ? 'NULL' : textValue(v)
          }),
        )
      }
    },
    end() {
      const natural = columns.map((c, i) => Math.max(c.name.length, ...rows.map((r) => r[i]!.length), 1))
      const widths = fitWidths(natural, width)
      const line = (cells: readonly string[], alignRight: boolean): string =>
        cells
          .map((text, i) => {
            const t = cut(text, widths[i]!)
            return alignRight && numeric[i] ? t.padStart(widths[i]!) : t.padEnd(widths[i]!)
          })
          .join('  ')
          .trimEnd()
      write(
        `${line(
          columns.map((c) => c.name),
          false,
        )}\n`,
      )
      write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`)
      for (const r of rows) write(`${line(r, true)}\n`)
    },
  }
}

/** A writer of one format to `write`; `width` fits a table to the terminal. */
export function rowWriter(format: RowFormat, write: (text: string) => void, width?: number): RowWriter {
  let columns: readonly RelationColumn[] = []
  switch (format) {
    case 'table':
      return tableWriter(write, width)
    case 'json': {
      let first = true
      return {
        begin(c) {
          columns = c
          write('[')
        },
        rows(batch) {
          for (const row of batch) {
            write(`${first ? '\n' : ',\n'}  ${jsonRow(columns, row)}`)
            first = false
          }
        },
        end() {
          write(first ? ']\n' : '\n]\n')
        },
      }
    }
    case 'jsonl':
      return {
        begin(c) {
          columns = c
        },
        rows(batch) {
          for (const row of batch) write(`${jsonRow(columns, row)}\n`)
        },
        end() {},
      }
    case 'csv':
      return {
        begin(c) {
          columns = c
          write(`${c.map((col) => csvField(col.name)).join(',')}\n`)
        },
        rows(batch) {
          for (const row of batch) write(`${columns.map((_, i) => csvField(textValue(row[i]))).join(',')}\n`)
        },
        end() {},
      }
  }
}
