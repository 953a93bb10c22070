// A schema as text for agents and diagrams: mermaid, YAML, DBML; and a table's CREATE TABLE statement.
import type { Schema, Table } from '@sluice/core'
import { stringify } from 'yaml'

/** Formats of `export_schema`. */
export type SchemaFormat = 'mermaid' | 'yaml' | 'dbml'

function bare(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_')
}

function isSystem(name: string): boolean {
  return name.startsWith('_sluice_')
}

function columnsOf(table: Table, hideSystem: boolean) {
  return table.columns.filter((c) => !hideSystem || !isSystem(c.name))
}

/** Renders a schema; `hideSystemColumns` leaves out the `_sluice_*` columns except the keys tables join on. */
export function formatSchema(schema: Schema, format: SchemaFormat, hideSystemColumns = false): string {
  const tables = Object.values(schema.tables)
  if (format === 'yaml') {
    return stringify({
      name: schema.name,
      version: schema.version,
      tables: Object.fromEntries(
        tables.map((t) => [
          t.name,
          {
            ...(t.parent ? { parent: t.parent } : {}),
            ...(t.resource ? { resource: t.resource } : {}),
            writeDisposition: t.writeDisposition,
            ...(t.mergeStrategy ? { mergeStrategy: t.mergeStrategy } : {}),
            columns: Object.fromEntries(
              columnsOf(t, hideSystemColumns).map(({ name, ...rest }) => [name, rest]),
            ),
          },
        ]),
      ),
    })
  }
  const keep = (t: Table) =>
    columnsOf(t, false).filter(
      (c) =>
        !hideSystemColumns || !isSystem(c.name) || c.name === '_sluice_id' || c.name === '_sluice_parent_id',
    )
  if (format === 'mermaid') {
    const lines = ['erDiagram']
    for (const t of tables) {
      lines.push(`  ${bare(t.name)} {`)
      for (const c of keep(t)) {
        const key = c.primaryKey ? ' PK' : c.name === '_sluice_parent_id' ? ' FK' : ''
        lines.push(`    ${c.dataType} ${bare(c.name)}${key}`)
      }
      lines.push('  }')
    }
    for (const t of tables) {
      if (t.parent) lines.push(`  ${bare(t.parent)} ||--o{ ${bare(t.name)} : "${t.name}"`)
    }
    return lines.join('\n')
  }
  const out: string[] = []
  for (const t of tables) {
    out.push(`Table ${JSON.stringify(t.name)} {`)
    for (const c of keep(t)) {
      const notes = [
        ...(c.primaryKey ? ['pk'] : []),
        ...(c.nullable === false ? ['not null'] : []),
        ...(c.unique ? ['unique'] : []),
      ]
      out.push(`  ${JSON.stringify(c.name)} ${c.dataType}${notes.length ? ` [${notes.join(', ')}]` : ''}`)
    }
    out.push('}', '')
  }
  for (const t of tables) {
    if (t.parent) {
      out.push(
        `Ref: ${JSON.stringify(t.name)}."_sluice_parent_id" > ${JSON.stringify(t.parent)}."_sluice_id"`,
      )
    }
  }
  return out.join('\n').trimEnd()
}

/** How a destination quotes identifiers: backticks for BigQuery and Databricks, double quotes elsewhere. */
export function quoteFor(destination: string): (name: string) => string {
  if (destination === 'bigquery' || destination === 'databricks') {
    return (name) => `\`${name.replace(/`/g, '\\`')}\``
  }
  return (name) => `"${name.replace(/"/g, '""')}"`
}

/** A column as the engine stores it. */
export interface NativeColumn {
  name: string
  type: string
  nullable: boolean
}

/** `CREATE TABLE` of a table with the engine's own column types, its primary key from the schema. */
export function createTableSql(
  qualifiedName: string,
  columns: readonly NativeColumn[],
  primaryKey: readonly string[],
  quote: (name: string) => string,
): string {
  const lines = columns.map((c) => `  ${quote(c.name)} ${c.type}${c.nullable ? '' : ' NOT NULL'}`)
  if (primaryKey.length > 0) lines.push(`  PRIMARY KEY (${primaryKey.map(quote).join(', ')})`)
  return `CREATE TABLE ${qualifiedName} (\n${lines.join(',\n')}\n);`
}
