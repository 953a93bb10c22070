// Apache Arrow tables from streamed chunks, column by column: one builder per column takes each chunk's values, so
// no row objects are made. apache-arrow is an optional peer dependency, imported when first asked for; its types
// are not imported (they bring @types/node of their own, which breaks type checks of Node.js code under Deno).
import type { ReaderChunk, ReaderColumn } from '../destination/destination-reader.ts'
import { SluiceError } from '../errors.ts'
import type { DataType } from '../schema/schema-types.ts'
import type { ArrowTable } from './dataset-types.ts'

/** What sluice uses of an apache-arrow builder. */
interface ArrowBuilder {
  append(value: unknown): unknown
  finish(): { toVector(): unknown }
}

/** What sluice uses of the apache-arrow module. */
interface ArrowModule {
  makeBuilder(options: { type: unknown; nullValues: unknown[] }): ArrowBuilder
  Table: new (columns: Record<string, unknown>) => ArrowTable
  Int64: new () => unknown
  Float64: new () => unknown
  Bool: new () => unknown
  Utf8: new () => unknown
  Binary: new () => unknown
  DateDay: new () => unknown
  TimestampMillisecond: new (timezone?: string) => unknown
}

/** Not a literal in `import()`, so that type checkers do not load the package's types. */
const ARROW_PACKAGE = 'apache-arrow'

let arrowModule: Promise<ArrowModule> | undefined

/** Imports apache-arrow once; `DEPENDENCY_MISSING` says how to install it. */
export function loadArrow(): Promise<ArrowModule> {
  arrowModule ??= (import(ARROW_PACKAGE) as Promise<ArrowModule>).catch((cause: unknown) => {
    arrowModule = undefined
    throw new SluiceError('DEPENDENCY_MISSING', 'arrow() needs the package apache-arrow', {
      cause,
      hint: 'install it with `npm install apache-arrow@21.2.0`',
    })
  })
  return arrowModule
}

/** The sluice type of a column without one, from its first value that is not null. */
function typeOfValue(value: unknown): DataType {
  if (typeof value === 'bigint') return 'bigint'
  if (typeof value === 'number') return 'double'
  if (typeof value === 'boolean') return 'bool'
  if (value instanceof Date) return 'timestamp'
  if (value instanceof Uint8Array) return 'binary'
  if (typeof value === 'object') return 'json'
  return 'text'
}

function arrowType(arrow: ArrowModule, type: DataType): unknown {
  switch (type) {
    case 'bigint':
      return new arrow.Int64()
    case 'double':
      return new arrow.Float64()
    case 'bool':
      return new arrow.Bool()
    case 'timestamp':
      return new arrow.TimestampMillisecond('UTC')
    case 'date':
      return new arrow.DateDay()
    case 'binary':
      return new arrow.Binary()
    default:
      return new arrow.Utf8()
  }
}

/** A value as the builder of its column's type takes it. */
function arrowValue(type: DataType, value: unknown): unknown {
  if (value === null || value === undefined) return null
  switch (type) {
    case 'bigint':
      return typeof value === 'bigint' ? value : BigInt(value as number)
    case 'double':
      return Number(value)
    case 'timestamp':
      return value instanceof Date ? value.getTime() : new Date(value as string).getTime()
    case 'date':
      return value instanceof Date ? value : new Date(`${String(value)}T00:00:00Z`)
    case 'json':
      return typeof value === 'string' ? value : JSON.stringify(value)
    case 'bool':
    case 'binary':
      return value
    default:
      return value instanceof Date ? value.toISOString() : String(value)
  }
}

/**
 * Builds an Arrow table from a stream of chunks. `names` are the output names when known (a relation of a table),
 * else the reader's column names are used; a column's type is its sluice type, or that of its first value.
 */
export async function arrowTable(
  chunks: AsyncIterable<ReaderChunk>,
  names?: readonly string[],
): Promise<ArrowTable> {
  const arrow = await loadArrow()
  let columns: readonly ReaderColumn[] | undefined
  let types: (DataType | undefined)[] = []
  let builders: (ArrowBuilder | undefined)[] = []
  const pending: unknown[][] = []
  const start = (i: number, type: DataType): void => {
    const builder = arrow.makeBuilder({ type: arrowType(arrow, type), nullValues: [null, undefined] })
    // values seen before the type was known were all null
    for (const _ of pending[i] ?? []) builder.append(null)
    pending[i] = []
    types[i] = type
    builders[i] = builder
  }
  for await (const chunk of chunks) {
    if (!columns) {
      columns = chunk.columns
      types = columns.map((c) => c.dataType)
      builders = columns.map(() => undefined)
      columns.forEach((c, i) => {
        pending[i] = []
        if (c.dataType) start(i, c.dataType)
      })
    }
    for (const row of chunk.rows) {
      for (let i = 0; i < columns.length; i++) {
        const value = row[i]
        if (builders[i] === undefined) {
          if (value === null || value === undefined) {
            pending[i]!.push(null)
            continue
          }
          start(i, typeOfValue(value))
        }
        builders[i]!.append(arrowValue(types[i]!, value))
      }
    }
  }
  const fields: Record<string, unknown> = {}
  const used = new Set<string>()
  ;(columns ?? []).forEach((c, i) => {
    if (builders[i] === undefined) start(i, 'text')
    let name = names?.[i] ?? c.name
    for (let n = 2; used.has(name); n++) name = `${names?.[i] ?? c.name}_${n}`
    used.add(name)
    fields[name] = builders[i]!.finish().toVector()
  })
  return new arrow.Table(fields)
}
