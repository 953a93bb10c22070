import { createHash } from 'node:crypto'
import { SluiceError } from '@sluice/core/destination'
import { assertSafeKey } from './filesystem-store.ts'

/**
 * Turns a name that comes from data (dataset, table, pipeline) into ONE safe path segment: `/`, `\`, `%`,
 * `:`, control and shell-hostile characters are percent-encoded, and a leading `.` becomes `%2E`, so
 * `..`, `../x`, `/etc/passwd` or `..\x` can never leave the folder they are put in. Ordinary normalized
 * names (`snake_case`) come out unchanged.
 */
export function safeSegment(name: string): string {
  if (name === '')
    throw new SluiceError('FILESYSTEM_UNSAFE_PATH', 'an empty name cannot be used as a folder or file')
  let out = ''
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0
    if (code < 0x20 || code === 0x7f || '/\\%:<>"|?*'.includes(ch)) {
      for (const b of new TextEncoder().encode(ch)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`
    } else out += ch
  }
  return out.startsWith('.') ? `%2E${out.slice(1)}` : out
}

/** The file name extension of a format and compression, e.g. `jsonl.gz`. */
export function extensionOf(format: 'jsonl' | 'csv' | 'parquet', gzip: boolean): string {
  return format === 'parquet' || !gzip ? format : `${format}.gz`
}

/** A job's `{file_id}`: the job id without its table prefix and extension, as `[A-Za-z0-9_-]`. */
export function fileIdOf(jobId: string, table: string): string {
  let id = jobId.replace(/\.(jsonl|csv|parquet)(\.gz)?$/, '')
  if (id.startsWith(`${table}.`)) id = id.slice(table.length + 1)
  id = id.replace(/[^A-Za-z0-9_-]/g, '_')
  return id === '' ? createHash('sha256').update(jobId).digest('hex').slice(0, 12) : id
}

/** Values of a layout's placeholders (raw; names are made safe by {@link renderKey}). */
export interface LayoutVars {
  dataset: string
  table: string
  loadId: string
  fileId: string
  ext: string
  /** Unix seconds. */
  timestamp: number
}

/** Renders a layout to a key. The key is guaranteed to stay inside `{dataset}/`. */
export function renderKey(layout: string, vars: LayoutVars): string {
  const dataset = safeSegment(vars.dataset)
  const d = new Date(vars.timestamp * 1000)
  const two = (n: number): string => String(n).padStart(2, '0')
  const values: Record<string, string> = {
    dataset,
    table: safeSegment(vars.table),
    load_id: safeSegment(vars.loadId),
    file_id: safeSegment(vars.fileId),
    ext: vars.ext,
    timestamp: String(Math.floor(vars.timestamp)),
    YYYY: String(d.getUTCFullYear()),
    MM: two(d.getUTCMonth() + 1),
    DD: two(d.getUTCDate()),
    HH: two(d.getUTCHours()),
  }
  const key = layout.replace(/\{([^}]*)\}/g, (m, name: string) => values[name] ?? m)
  assertSafeKey(key)
  if (!key.startsWith(`${dataset}/`)) {
    throw new SluiceError(
      'FILESYSTEM_UNSAFE_PATH',
      `the file key ${key} is outside the dataset folder ${dataset}`,
    )
  }
  return key
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * A regular expression that matches the keys of one table's data files under a layout (any load, any
 * format); group `load_id` captures the load id (percent-encoded as in the key).
 */
export function tableFilePattern(layout: string, dataset: string, table: string): RegExp {
  let seenLoad = false
  const source = layout
    .split(/(\{[^}]*\})/)
    .map((part) => {
      switch (part) {
        case '{dataset}':
          return escapeRegex(safeSegment(dataset))
        case '{table}':
          return escapeRegex(safeSegment(table))
        case '{load_id}':
          if (seenLoad) return '\\k<load_id>'
          seenLoad = true
          return '(?<load_id>[^/]+)'
        case '{file_id}':
          return '[^./]+'
        case '{ext}':
          return '(?:jsonl\\.gz|jsonl|csv\\.gz|csv|parquet)'
        case '{timestamp}':
          return '\\d+'
        case '{YYYY}':
          return '\\d{4}'
        case '{MM}':
        case '{DD}':
        case '{HH}':
          return '\\d{2}'
        default:
          return escapeRegex(part)
      }
    })
    .join('')
  return new RegExp(`^${source}$`)
}

/** The longest fixed folder prefix of a table's keys (what to `list`). */
export function tableListPrefix(layout: string, dataset: string, table: string): string {
  const withNames = layout
    .replaceAll('{dataset}', safeSegment(dataset))
    .replaceAll('{table}', safeSegment(table))
  const firstVar = withNames.indexOf('{')
  const fixed = firstVar < 0 ? withNames : withNames.slice(0, firstVar)
  return fixed.slice(0, fixed.lastIndexOf('/') + 1)
}

/** The default {@link FilesystemOptions.layout}. */
export const DEFAULT_LAYOUT = '{dataset}/{table}/{load_id}.{file_id}.{ext}'

/** Throws `CONFIG_INVALID` unless the layout keeps files inside the dataset folder and names them uniquely. */
export function validateLayout(layout: string): void {
  const problems: string[] = []
  if (!layout.startsWith('{dataset}/')) problems.push('start with {dataset}/')
  for (const p of ['{table}', '{load_id}', '{file_id}'])
    if (!layout.includes(p)) problems.push(`contain ${p}`)
  if (layout.split('/').some((s) => s === '' || s === '.' || s === '..') || layout.includes('\\'))
    problems.push('not contain empty, "." or ".." segments or backslashes')
  const unknown = [...layout.matchAll(/\{([^}]*)\}/g)]
    .map((m) => m[1])
    .filter((n) => !PLACEHOLDERS.includes(n ?? ''))
  if (unknown.length > 0)
    problems.push(`use only the placeholders ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`)
  if (problems.length > 0) {
    throw new SluiceError('CONFIG_INVALID', `filesystem layout ${JSON.stringify(layout)} is not usable`, {
      hint: `the layout must ${problems.join(', ')} (set DESTINATION__FILESYSTEM__LAYOUT; default ${DEFAULT_LAYOUT})`,
    })
  }
}

/** Placeholders a layout may use. */
export const PLACEHOLDERS: readonly string[] = [
  'dataset',
  'table',
  'load_id',
  'file_id',
  'ext',
  'timestamp',
  'YYYY',
  'MM',
  'DD',
  'HH',
]
