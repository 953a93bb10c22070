import type { Schema } from '@sluice/core'
import { stringify } from 'yaml'

/** Output formats of `sluice pipeline schema`. */
export type SchemaFormat = 'json' | 'yaml' | 'mermaid' | 'dbml' | 'dot'

/** Every format, in the order the help lists them. */
export const SCHEMA_FORMATS: readonly SchemaFormat[] = ['yaml', 'json', 'mermaid', 'dbml', 'dot']

function plainName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_')
}

/** A double-quoted identifier for DBML and DOT (both escape `"` with a backslash). */
function quoted(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

function mermaid(schema: Schema): string {
  const lines = ['erDiagram']
  for (const table of Object.values(schema.tables)) {
    lines.push(`  ${plainName(table.name)} {`)
    for (const c of table.columns) {
      const key = c.primaryKey ? ' PK' : c.name === '_sluice_parent_id' ? ' FK' : ''
      lines.push(`    ${c.dataType} ${plainName(c.name)}${key}`)
    }
    lines.push('  }')
  }
  for (const table of Object.values(schema.tables)) {
    if (table.parent)
      lines.push(`  ${plainName(table.parent)} ||--o{ ${plainName(table.name)} : "${table.name}"`)
  }
  return lines.join('\n')
}

/** DBML (dbdiagram.io): a Table per table, a Ref from each child table's parent id to its parent's row id. */
function dbml(schema: Schema): string {
  const lines: string[] = []
  for (const table of Object.values(schema.tables)) {
    lines.push(`Table ${quoted(table.name)} {`)
    for (const c of table.columns) {
      const notes = [c.primaryKey ? 'pk' : '', c.nullable === false ? 'not null' : ''].filter(Boolean)
      lines.push(`  ${quoted(c.name)} ${c.dataType}${notes.length ? ` [${notes.join(', ')}]` : ''}`)
    }
    lines.push('}', '')
  }
  for (const table of Object.values(schema.tables)) {
    if (table.parent)
      lines.push(
        `Ref: ${quoted(table.name)}.${quoted('_sluice_parent_id')} > ${quoted(table.parent)}.${quoted('_sluice_id')}`,
      )
  }
  return lines.join('\n').trimEnd()
}

/** Graphviz DOT: a record node per table, an edge from each parent to its child tables. */
function dot(schema: Schema): string {
  const lines = [`digraph ${quoted(schema.name)} {`, '  rankdir=LR;', '  node [shape=record];']
  // a record label: backslash, quote and the record's own characters escaped; \l ends a left-aligned line
  const esc = (text: string) => text.replace(/[\\"{}|<>]/g, '\\$&')
  for (const table of Object.values(schema.tables)) {
    const fields = table.columns.map((c) => `${esc(c.name)}: ${esc(c.dataType)}\\l`).join('')
    lines.push(`  ${quoted(table.name)} [label="{${esc(table.name)}|${fields}}"];`)
  }
  for (const table of Object.values(schema.tables)) {
    if (table.parent) lines.push(`  ${quoted(table.parent)} -> ${quoted(table.name)};`)
  }
  lines.push('}')
  return lines.join('\n')
}

/**
 * Renders a schema as JSON (all of it), YAML (without `previousHashes`, the hashes of earlier versions), a
 * mermaid ER diagram, DBML or Graphviz DOT (tables, columns, parent links).
 */
export function formatSchema(schema: Schema, format: SchemaFormat): string {
  if (format === 'json') return JSON.stringify(schema, null, 2)
  if (format === 'yaml') {
    const { previousHashes: _, ...rest } = schema
    return stringify(rest)
  }
  if (format === 'dbml') return dbml(schema)
  if (format === 'dot') return dot(schema)
  return mermaid(schema)
}
