// Tools over the loaded data. Every one reads through the pipeline's dataset (core's read-only reader): the
// engine refuses writes and multi-statement strings; nothing here inspects SQL text.
import { type Dataset, type Relation, SluiceError } from '@sluice/core'
import { z } from 'zod'
import type { McpContext } from './mcp-context.ts'
import { formatTable, rowObject, type TableResult } from './mcp-format.ts'
import { createTableSql, formatSchema, type NativeColumn, quoteFor } from './mcp-schema-format.ts'
import { type AnyTool, defineTool, OUTPUT_FORMAT } from './mcp-tool.ts'

type PipelineCtx = McpContext & { pipelineName: string }

/** Opens the pipeline's dataset for one call and closes it after. */
async function withDataset<T>(ctx: PipelineCtx, use: (ds: Dataset) => Promise<T>): Promise<T> {
  const ds = (await ctx.open(ctx.pipelineName)).dataset()
  try {
    return await use(ds)
  } finally {
    await ds.close()
  }
}

/** The dataset's name for a table as given (exact, then ignoring case); `TABLE_UNKNOWN` lists the tables. */
async function tableName(ds: Dataset, name: string): Promise<string> {
  const all = await ds.tables({ children: true, system: true })
  const found = all.find((t) => t === name) ?? all.find((t) => t.toLowerCase() === name.toLowerCase())
  if (found) return found
  throw new SluiceError('TABLE_UNKNOWN', `the dataset has no table "${name}"`, {
    hint: `its tables: ${(await ds.tables({ children: true })).join(', ')} (list_tables)`,
  })
}

/** Up to `max` rows of a relation, and whether there were more. */
async function fetchSome(rel: Relation, max: number): Promise<TableResult & { truncated: boolean }> {
  const rows: unknown[][] = []
  let columns: string[] = []
  let truncated = false
  for await (const chunk of rel.iterTuples({ chunkSize: Math.min(max + 1, 1000) })) {
    columns = chunk.columns.map((c) => c.name)
    for (const r of chunk.rows) {
      if (rows.length === max) {
        truncated = true
        break
      }
      rows.push(r)
    }
    if (truncated) break
  }
  return { columns, rows, truncated }
}

function tableOutput(
  result: TableResult & { truncated?: boolean },
  format: 'markdown' | 'jsonl',
  extra = {},
) {
  const note = result.truncated
    ? `more rows exist: only the first ${result.rows.length} are shown`
    : undefined
  return {
    text: formatTable(result, format, note),
    structured: {
      columns: result.columns,
      rows: result.rows.map((r) => rowObject(result.columns, r)),
      truncated: result.truncated ?? false,
      ...extra,
    },
  }
}

const TABLE_NAME = z.string().min(1).describe('a table name from list_tables, e.g. entries')

const listTablesTool = defineTool({
  name: 'list_tables',
  title: 'List tables',
  description:
    "Lists the pipeline's tables in its destination: the data tables with child tables (from nested lists, named parent__child) after their parent; system tables (_sluice_loads ...) on request.",
  pipeline: true,
  readOnly: true,
  input: {
    include_system: z.boolean().default(false).describe('also list the _sluice_* system tables'),
  },
  async run(args, ctx) {
    const tables = await withDataset(ctx, (ds) => ds.tables({ children: true, system: args.include_system }))
    return { text: tables.join('\n'), structured: { tables } }
  },
})

const tableSchemaTool = defineTool({
  name: 'get_table_schema',
  title: 'Table schema',
  description:
    'Shows a table as sluice knows it: columns with sluice data types, nullability and keys, its write disposition, parent table (for child tables) and the resource that loads it.',
  pipeline: true,
  readOnly: true,
  input: { table_name: TABLE_NAME },
  async run(args, ctx) {
    return withDataset(ctx, async (ds) => {
      const name = await tableName(ds, args.table_name)
      const table = (await ds.schema()).tables[name]
      if (!table) throw new SluiceError('TABLE_UNKNOWN', `"${name}" is a system table, not in the schema`)
      return { text: JSON.stringify(table, null, 2), structured: { table } }
    })
  },
})

const createSqlTool = defineTool({
  name: 'get_table_create_sql',
  title: 'CREATE TABLE statement',
  description:
    "Shows the CREATE TABLE statement of a table in the destination's SQL dialect, with the column types the engine stores (read from its information_schema; sluice types where the engine has none).",
  pipeline: true,
  readOnly: true,
  input: { table_name: TABLE_NAME },
  async run(args, ctx) {
    const p = await ctx.open(ctx.pipelineName)
    const record = await p.destinationRecord()
    const destination = record?.name ?? 'duckdb'
    const quote = quoteFor(destination)
    const ds = p.dataset()
    try {
      const name = await tableName(ds, args.table_name)
      const table = (await ds.schema()).tables[name]
      const datasetName = record?.datasetName ?? p.datasetName
      const lit = (s: string) => `'${s.replace(/'/g, "''")}'`
      let columns: NativeColumn[] = []
      let engineTypes = true
      try {
        const rows = await ds
          .query(
            `select column_name, data_type, is_nullable from information_schema.columns where lower(table_schema) = lower(${lit(datasetName)}) and lower(table_name) = lower(${lit(name)}) order by ordinal_position`,
          )
          .rows()
        columns = rows.map((r) => ({
          name: String(r['column_name']),
          type: String(r['data_type']),
          nullable: String(r['is_nullable']).toUpperCase() !== 'NO',
        }))
      } catch {
        columns = []
      }
      if (columns.length === 0 && table) {
        engineTypes = false
        columns = table.columns.map((c) => ({
          name: c.name,
          type: c.dataType,
          nullable: c.nullable !== false,
        }))
      }
      const primaryKey = table?.columns.filter((c) => c.primaryKey).map((c) => c.name) ?? []
      const sql = createTableSql(`${quote(datasetName)}.${quote(name)}`, columns, primaryKey, quote)
      const text = engineTypes
        ? sql
        : `-- column types are sluice types: the engine's catalog was not readable\n${sql}`
      return { text, structured: { destination, sql, engineTypes } }
    } finally {
      await ds.close()
    }
  },
})

const previewTool = defineTool({
  name: 'preview_table',
  title: 'Preview a table',
  description: 'Shows the first rows of a table (default 10).',
  pipeline: true,
  readOnly: true,
  input: {
    table_name: TABLE_NAME,
    rows: z.number().int().min(1).max(500).default(10).describe('how many rows (1-500, default 10)'),
    output_format: OUTPUT_FORMAT,
  },
  async run(args, ctx) {
    return withDataset(ctx, async (ds) => {
      const name = await tableName(ds, args.table_name)
      const n = Math.min(args.rows, ctx.maxRows)
      const result = await fetchSome(ds.table(name).limit(n), n)
      return tableOutput({ ...result, truncated: false }, args.output_format, { table: name })
    })
  },
})

const rowCountsTool = defineTool({
  name: 'get_row_counts',
  title: 'Row counts',
  description: 'Counts the rows of every data table (child tables included) in one query.',
  pipeline: true,
  readOnly: true,
  input: { output_format: OUTPUT_FORMAT },
  async run(args, ctx) {
    const counts = await withDataset(ctx, (ds) => ds.rowCounts())
    return tableOutput(
      { columns: ['table_name', 'row_count'], rows: counts.map((c) => [c.table, c.rows]) },
      args.output_format,
    )
  },
})

const sqlTool = defineTool({
  name: 'execute_sql_query',
  title: 'Run a SQL query',
  description:
    "Runs ONE read-only SQL statement (SELECT, WITH ... SELECT) in the destination's dialect on the pipeline's dataset; unqualified table names are the dataset's. The database refuses anything that writes and strings of several statements (READ_ONLY). Returns at most `limit` rows; aggregate in SQL rather than fetching many rows.",
  pipeline: true,
  readOnly: true,
  input: {
    sql_select_query: z.string().min(1).describe('one SELECT statement, e.g. select count(*) from entries'),
    limit: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe('most rows to return (default 100; capped by the server)'),
    output_format: OUTPUT_FORMAT,
  },
  async run(args, ctx) {
    const max = Math.min(args.limit, ctx.maxRows)
    const result = await withDataset(ctx, (ds) => fetchSome(ds.query(args.sql_select_query), max))
    return tableOutput(result, args.output_format)
  },
})

const exportSchemaTool = defineTool({
  name: 'export_schema',
  title: 'Export the schema',
  description:
    "Exports the pipeline's schema (its tables, columns, types and parent/child links) as a mermaid ER diagram, YAML or DBML.",
  pipeline: true,
  readOnly: true,
  input: {
    output_format: z
      .enum(['mermaid', 'yaml', 'dbml'])
      .default('mermaid')
      .describe('mermaid (default), yaml or dbml'),
    schema_name: z
      .string()
      .optional()
      .describe('a schema of the dataset; default the pipeline source schema'),
    hide_system_columns: z
      .boolean()
      .default(false)
      .describe('leave out the _sluice_* columns except the join keys _sluice_id and _sluice_parent_id'),
  },
  async run(args, ctx) {
    const p = await ctx.open(ctx.pipelineName)
    const local = args.schema_name ? await p.schema(args.schema_name) : await p.schema()
    const schema = local ?? (await withDataset(ctx, (ds) => ds.schema(args.schema_name)))
    const text = formatSchema(schema, args.output_format, args.hide_system_columns)
    return { text, structured: { schema: schema.name, format: args.output_format, text } }
  },
})

/** The tools of this file, in the order clients list them. */
export const DATA_TOOLS: readonly AnyTool[] = [
  listTablesTool,
  tableSchemaTool,
  createSqlTool,
  previewTool,
  rowCountsTool,
  sqlTool,
  exportSchemaTool,
]
