import type { Schema } from '@sluice/core'
import { stringify } from 'yaml'

/** Output formats of `sluice pipeline schema`. */
export type SchemaFormat = 'json' | 'yaml' | 'mermaid'

function mermaidName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_')
}

/** Renders a schema as JSON, YAML or a mermaid ER diagram (tables, columns, parent links). */
export function formatSchema(schema: Schema, format: SchemaFormat): string {
  if (format === 'json') return JSON.stringify(schema, null, 2)
  if (format === 'yaml') return stringify(schema)
  const lines = ['erDiagram']
  for (const table of Object.values(schema.tables)) {
    lines.push(`  ${mermaidName(table.name)} {`)
    for (const c of table.columns) {
      const key = c.primaryKey ? ' PK' : c.name === '_sluice_parent_id' ? ' FK' : ''
      lines.push(`    ${c.dataType} ${mermaidName(c.name)}${key}`)
    }
    lines.push('  }')
  }
  for (const table of Object.values(schema.tables)) {
    if (table.parent)
      lines.push(`  ${mermaidName(table.parent)} ||--o{ ${mermaidName(table.name)} : "${table.name}"`)
  }
  return lines.join('\n')
}
