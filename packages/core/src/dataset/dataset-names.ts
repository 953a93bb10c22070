// Table and column names resolved the way the loader makes them: the name as stored in the schema, else the name
// through the naming convention (`Users Name` → `users_name`, `users.name` → `users__name`). A name that resolves
// to nothing is an error listing the closest names.
import { SYSTEM_TABLE_COLUMNS } from '../destination/sql/sql-system-tables.ts'
import { SluiceError } from '../errors.ts'
import { normalizeIdentifier, normalizePath } from '../schema/naming-convention.ts'
import type { Column, Schema, Table } from '../schema/schema-types.ts'

/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]!
}

/**
 * Up to `n` candidates close to `name`: those containing it (or contained in it) first, then by edit distance,
 * at most about a third of the name's length away.
 */
export function closestNames(name: string, candidates: Iterable<string>, n = 3): string[] {
  const wanted = name.toLowerCase()
  const scored: { name: string; score: number }[] = []
  for (const c of candidates) {
    const lower = c.toLowerCase()
    const contains = lower.includes(wanted) || wanted.includes(lower)
    const distance = editDistance(wanted, lower)
    if (contains || distance <= Math.max(2, Math.ceil(wanted.length / 3)))
      scored.push({ name: c, score: contains ? distance - 100 : distance })
  }
  return scored
    .sort((x, y) => x.score - y.score || x.name.localeCompare(y.name))
    .slice(0, n)
    .map((s) => s.name)
}

/** The name, then its normalized forms: as one identifier, and as a dotted path (`a.b` → `a__b`). */
function candidatesOf(name: string, maxLength: number): string[] {
  const out = [name]
  try {
    out.push(normalizeIdentifier(name, maxLength))
    if (name.includes('.')) out.push(normalizePath(name.split('.'), maxLength))
  } catch {
    // a blank name normalizes to nothing: only the exact name is tried
  }
  return out
}

function listed(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ')
}

/**
 * The tables a dataset reads: every table of its schemas (a table in several schemas: the first one's) and the
 * system tables sluice keeps in each dataset (`_sluice_loads`, `_sluice_version`, `_sluice_pipeline_state`).
 */
export class Catalog {
  readonly schemas: readonly Schema[]
  /** Identifier limit of the destination (for normalizing names like the loader). */
  readonly maxIdentifierLength: number
  private readonly byName = new Map<string, Table>()
  private readonly system = new Set<string>()

  constructor(schemas: readonly Schema[], maxIdentifierLength: number) {
    this.schemas = schemas
    this.maxIdentifierLength = maxIdentifierLength
    for (const s of schemas)
      for (const t of Object.values(s.tables)) if (!this.byName.has(t.name)) this.byName.set(t.name, t)
    for (const [name, columns] of Object.entries(SYSTEM_TABLE_COLUMNS)) {
      this.system.add(name)
      this.byName.set(name, { name, columns: [...columns], writeDisposition: 'append' })
    }
  }

  /** True for the system tables sluice keeps in each dataset. */
  isSystem(table: string): boolean {
    return this.system.has(table)
  }

  /** Data tables (root tables first, each followed by its children in the schema's order), and system tables on request. */
  tableNames(options: { children?: boolean; system?: boolean } = {}): string[] {
    const data = [...this.byName.values()].filter((t) => !this.system.has(t.name))
    const out: string[] = []
    const add = (t: Table): void => {
      out.push(t.name)
      if (options.children) for (const c of data) if (c.parent === t.name) add(c)
    }
    for (const t of data) if (t.parent === undefined) add(t)
    if (options.system) out.push(...this.system)
    return out
  }

  /** Resolves a table name like the loader names tables; `TABLE_UNKNOWN` lists the close ones. */
  table(name: string): Table {
    for (const candidate of candidatesOf(name, this.maxIdentifierLength)) {
      const t = this.byName.get(candidate)
      if (t) return t
    }
    const close = closestNames(name, this.byName.keys())
    throw new SluiceError('TABLE_UNKNOWN', `the dataset has no table "${name}"`, {
      hint: close.length
        ? `did you mean ${listed(close)}? (dataset.tables() lists them all)`
        : `tables: ${listed(this.tableNames().slice(0, 12))}${this.byName.size > 12 ? ' ...' : ''}`,
    })
  }

  /** The table's children and parent, for messages about joins. */
  relatives(table: Table): string[] {
    const out = table.parent ? [table.parent] : []
    for (const t of this.byName.values()) if (t.parent === table.name) out.push(t.name)
    return out
  }
}

/** Resolves a column of a table like the loader names columns; `COLUMN_UNKNOWN` lists the close ones. */
export function resolveColumn(table: Table, name: string, maxIdentifierLength: number): Column {
  for (const candidate of candidatesOf(name, maxIdentifierLength)) {
    const c = table.columns.find((x) => x.name === candidate)
    if (c) return c
  }
  const close = closestNames(
    name,
    table.columns.map((c) => c.name),
  )
  throw new SluiceError('COLUMN_UNKNOWN', `table "${table.name}" has no column "${name}"`, {
    hint: close.length
      ? `did you mean ${listed(close)}?`
      : `its columns: ${listed(table.columns.slice(0, 12).map((c) => c.name))}${table.columns.length > 12 ? ' ...' : ''}`,
  })
}
