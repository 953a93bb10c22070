// The csv line encoder of a header: compiled code per header, or a loop over its columns.
import {
  type CsvColumn,
  type CsvRowEncoder,
  countOnce,
  FIXED_BYTES,
  type Put,
  type TextCleaning,
  type Writers,
  writersFor,
} from './csv-encoder.ts'

/** What writes a (non-null) value of a column of `dataType`. */
function putFor(dataType: string | undefined, w: Writers): Put {
  switch (dataType) {
    case 'json':
      return w.J
    case 'bigint':
    case 'double':
      return (out, p, end, x) => (typeof x === 'number' ? w.N(out, p, x) : w.V(out, p, end, x))
    case 'bool':
      return (out, p, end, x) => (typeof x === 'boolean' ? w.B(out, p, x) : w.V(out, p, end, x))
    default:
      return (out, p, end, x) => (typeof x === 'string' ? w.T(out, p, end, x) : w.V(out, p, end, x))
  }
}

/** The code writing one column's value `x` (not null) in a compiled encoder. */
export function putCode(dataType: string | undefined): string {
  switch (dataType) {
    case 'json':
      return 'p = J(out, p, end, x)'
    case 'bigint':
    case 'double':
      return `p = typeof x === 'number' ? N(out, p, x) : V(out, p, end, x)`
    case 'bool':
      return `p = typeof x === 'boolean' ? B(out, p, x) : V(out, p, end, x)`
    default:
      return `p = typeof x === 'string' ? T(out, p, end, x) : V(out, p, end, x)`
  }
}

export function columnsOf(columns: readonly CsvColumn[]): { name: string; dataType: string | undefined }[] {
  return columns.map((c) =>
    typeof c === 'string' ? { name: c, dataType: undefined } : { name: c.name, dataType: c.dataType },
  )
}

/**
 * The line encoder for a header: PostgreSQL COPY's CSV form (see {@link csvField}) written straight to bytes,
 * without a string per field or line. Compiled to one function per header (one property read per column, code
 * picked by the column's type; names are embedded with `JSON.stringify`, so data cannot inject code), or a loop
 * over the columns where code cannot be generated (e.g. a CSP forbids `new Function`) or `compile` is false.
 * With `cleaning`, text and JSON values lose U+0000 (counted there).
 */
export function csvRowEncoder(
  columns: readonly CsvColumn[],
  compile = true,
  cleaning?: TextCleaning,
): CsvRowEncoder {
  return countOnce(rowEncoder(columns, compile, writersFor(cleaning)), cleaning)
}

function rowEncoder(columns: readonly CsvColumn[], compile: boolean, w: Writers): CsvRowEncoder {
  const cols = columnsOf(columns)
  // kept free behind any text value: room for every column's separator and fixed-size value, and the line end
  const reserve = FIXED_BYTES * (cols.length + 1)
  if (compile) {
    const body = cols.map(
      (c, i) =>
        `${i > 0 ? 'out[p++] = 44\n' : ''}x = r[${JSON.stringify(c.name)}]\nif (x != null) { ${putCode(c.dataType)}; if (p < 0) return -1 }`,
    )
    try {
      const factory = new Function(
        'T',
        'N',
        'B',
        'V',
        'J',
        `'use strict'; return function csvRow(r, out, p) {\nconst end = out.length - ${reserve}\nif (p > end) return -1\nlet x\n${body.join('\n')}\nout[p++] = 10\nreturn p\n}`,
      )
      return factory(w.T, w.N, w.B, w.V, w.J) as CsvRowEncoder
    } catch {
      // no code generation here: the loop below
    }
  }
  const names = cols.map((c) => c.name)
  const puts = cols.map((c) => putFor(c.dataType, w))
  return (row, out, p) => {
    const end = out.length - reserve
    if (p > end) return -1
    for (let i = 0; i < names.length; i++) {
      if (i > 0) out[p++] = 44
      const x = row[names[i]!]
      if (x !== null && x !== undefined) {
        p = puts[i]!(out, p, end, x)
        if (p < 0) return -1
      }
    }
    out[p++] = 10
    return p
  }
}
