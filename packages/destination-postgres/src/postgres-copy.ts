import { Buffer } from 'node:buffer'
import type { Column } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'

type Encoder = (value: unknown) => string

const NULL = '\\N'
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' }
const NEEDS_ESCAPE = /[\\\n\r\t]/
const ESCAPE_ALL = /[\\\n\r\t]/g

/** Escapes a value for COPY's text format (backslash, newline, carriage return, tab). */
export function escapeCopyText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE_ALL, (c) => ESCAPES[c] ?? c) : text
}

function plain(value: unknown): string {
  if (value === null || value === undefined) return NULL
  if (typeof value === 'string') return escapeCopyText(value)
  if (typeof value === 'object') return escapeCopyText(JSON.stringify(value))
  return String(value)
}

function json(value: unknown): string {
  return value === null || value === undefined ? NULL : escapeCopyText(JSON.stringify(value))
}

function bool(value: unknown): string {
  if (value === true) return 't'
  if (value === false) return 'f'
  return plain(value)
}

function binary(value: unknown): string {
  if (value === null || value === undefined) return NULL
  if (typeof value !== 'string') return plain(value)
  // bytea hex input `\x0a1b`; the backslash itself is escaped for COPY.
  return `\\\\x${Buffer.from(value, 'base64').toString('hex')}`
}

function encoderFor(column: Column): Encoder {
  switch (column.dataType) {
    case 'json':
      return json
    case 'bool':
      return bool
    case 'binary':
      return binary
    default:
      return plain
  }
}

/**
 * Converts NDJSON job-file chunks (one object per line, keys = normalized column names, values in job-file
 * form: binary as base64, json as any JSON value) into COPY text-format lines for `columns` in order.
 * Yields chunks of about 64 KiB. Throws `DESTINATION_DATA` naming the line for invalid JSON.
 */
export async function* jsonlToCopyText(
  source: AsyncIterable<Uint8Array | string>,
  columns: readonly Column[],
  file: string,
): AsyncGenerator<string> {
  const names = columns.map((c) => c.name)
  const encoders = columns.map(encoderFor)
  const width = names.length
  const decoder = new TextDecoder()
  let rest = ''
  let out = ''
  let lineNo = 0
  const row = (line: string): string => {
    lineNo++
    if (line.trim() === '') return ''
    let record: Record<string, unknown>
    try {
      record = JSON.parse(line) as Record<string, unknown>
    } catch (cause) {
      throw new SluiceError(
        'DESTINATION_DATA',
        `[postgres] invalid JSON in job file ${file} at line ${lineNo}`,
        { cause },
      )
    }
    let text = ''
    for (let i = 0; i < width; i++) {
      if (i > 0) text += '\t'
      text += (encoders[i] as Encoder)(record[names[i] as string])
    }
    return `${text}\n`
  }
  for await (const chunk of source) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }))
    let start = 0
    let nl = text.indexOf('\n', start)
    while (nl !== -1) {
      out += row(text.slice(start, nl))
      start = nl + 1
      if (out.length >= 65536) {
        yield out
        out = ''
      }
      nl = text.indexOf('\n', start)
    }
    rest = text.slice(start)
  }
  rest += decoder.decode()
  out += row(rest)
  if (out !== '') yield out
}
