import { SluiceError } from '@sluice/core'
import { listPipelines, loadConfig, pipeline } from '@sluice/core/node'
import { parseFlags } from './cli-args.ts'
import { dashboardCommand } from './cli-dashboard.ts'
import { describeInfo, describeTrace, type PipelineInfo } from './cli-describe.ts'
import { targetOf } from './cli-destinations.ts'
import { dropCommand } from './cli-drop.ts'
import { UsageError } from './cli-errors.ts'
import { MCP_OPTIONS, mcpCommand } from './cli-mcp.ts'
import { queryCommand } from './cli-query.ts'
import { pipelinesDirFor } from './cli-run.ts'
import { formatSchema, SCHEMA_FORMATS, type SchemaFormat } from './cli-schema-format.ts'
import type { CliIO } from './cli-types.ts'

export const PIPELINE_HELP = `Usage: sluice pipeline [NAME] <command> [options]
       sluice pipeline list  (or -l)

NAME defaults to clockodo_pipeline. Each run records the pipeline's destination (name, location, settings
without secrets) and dataset; every command uses them, from any directory (secrets come from the environment
and .sluice/*.toml again). Flags override them.
Commands:
  info [--json]            local state, destination, schemas and load packages
  trace [--json]           the last run: steps, timings, rows, errors
  schema [--format F]      the schema as yaml (without the hashes of earlier versions), json (all of it),
                           mermaid, dbml or dot (Graphviz) (default: yaml)
  state                    the pipeline state (incremental cursors)
  load-package [ID]        one load package (default: the newest): state, jobs, tables
  failed-jobs              jobs that failed, with their errors
  query "SQL"              run one read-only statement on the dataset (unqualified names are its tables)
                           [--format table|json|jsonl|csv] [--limit N] (default 1000 rows, 0 for all)
  tables                   tables with row counts, child tables under their parent
  head TABLE [-n N]        the first N rows of a table (default 10) [--format F]
  drop RESOURCE...         drop the resources' tables (with child tables) and reset their state; a name
                           may be re:PATTERN (a regular expression); lists what it removes and asks
    --drop-all             every resource of the pipeline
    --state-only           reset the resources' state only, keep their tables
    --state-paths a,b.c    remove only these keys (dotted paths) of the resources' state, keep the tables
    --yes, -y              do not ask (needed without a terminal)
  sync                     replace local state and schemas with the ones stored in the destination
  drop-pending-packages    delete the local load packages that are not loaded (pending, aborted, or
                           damaged); nothing of them was committed: the next run extracts their data again
  show [--port N] [--host H] [--no-open]
                           the pipeline's dashboard: a local web page (sluice dashboard --help)
  mcp [--http] [--allow-run]  an MCP server for coding agents scoped to this pipeline (sluice mcp --help)
  list                     the pipelines in the pipelines directory, with their destinations
Options:
  --destination NAME|PATH  (default: the recorded one, else duckdb)
  --dataset NAME           (default: the recorded one, else clockodo_data)
  --pipelines-dir DIR      (default: $SLUICE_PIPELINES_DIR or ~/.sluice/pipelines, shared by every directory)
`

const LOCAL = ['info', 'trace', 'schema', 'state', 'load-package', 'failed-jobs', 'drop-pending-packages']
const READING = ['query', 'tables', 'head']
const COMMANDS = [...LOCAL, ...READING, 'drop', 'sync', 'list', 'mcp']

function print(io: CliIO, value: unknown): void {
  io.stdout.write(typeof value === 'string' ? `${value}\n` : `${JSON.stringify(value, null, 2)}\n`)
}

const PIPELINE_OPTIONS = {
  destination: { type: 'string' },
  dataset: { type: 'string' },
  'pipelines-dir': { type: 'string' },
  format: { type: 'string' },
  limit: { type: 'string' },
  rows: { type: 'string', short: 'n' },
  list: { type: 'boolean', short: 'l', default: false },
  yes: { type: 'boolean', short: 'y', default: false },
  'drop-all': { type: 'boolean', default: false },
  'state-only': { type: 'boolean', default: false },
  'state-paths': { type: 'string' },
  json: { type: 'boolean', default: false },
  ...MCP_OPTIONS,
  help: { type: 'boolean', short: 'h', default: false },
} as const

/** `sluice pipeline list`: every pipeline of the directory with where it loads. */
async function listCommand(pipelinesDir: string, io: CliIO): Promise<number> {
  const names = await listPipelines(pipelinesDir)
  io.stdout.write(`${names.length} pipeline${names.length === 1 ? '' : 's'} in ${pipelinesDir}\n`)
  for (const name of names) {
    const record = await pipeline({ pipelineName: name, pipelinesDir }).destinationRecord()
    io.stdout.write(
      record
        ? `${name}  ${record.name} ${record.location} (dataset ${record.datasetName}, last run ${record.updatedAt})\n`
        : `${name}  (no destination recorded yet)\n`,
    )
  }
  return 0
}

/** `sluice pipeline ...`: returns the exit code. */
export async function pipelineCommand(args: string[], io: CliIO): Promise<number> {
  // `show` takes the dashboard's flags: `pipeline show ...` or `pipeline NAME show ...`
  const show = args.slice(0, 2).indexOf('show')
  if (show === 0 || (show === 1 && !args[0]!.startsWith('-'))) {
    return dashboardCommand(args.slice(show + 1), io, show === 1 ? args[0]! : 'clockodo_pipeline')
  }
  const { values, positionals } = parseFlags(args, PIPELINE_OPTIONS, 'pipeline', true)
  const pipelinesDir = pipelinesDirFor(values['pipelines-dir'], io)
  if (values.list) return listCommand(pipelinesDir, io)
  if (values.help || positionals.length === 0) {
    io.stdout.write(PIPELINE_HELP)
    return values.help ? 0 : 2
  }
  let [name, command, ...rest] = positionals as [string, string | undefined, ...string[]]
  if (COMMANDS.includes(name)) {
    rest = command === undefined ? rest : [command, ...rest]
    command = name
    name = 'clockodo_pipeline'
  }
  if (!command || !COMMANDS.includes(command)) {
    throw new UsageError(`unknown pipeline command "${command ?? ''}": use one of ${COMMANDS.join(', ')}`)
  }
  if (command === 'list') return listCommand(pipelinesDir, io)
  const local = pipeline({ pipelineName: name, pipelinesDir })
  const record = await local.destinationRecord()
  // sync restores a pipeline this machine has not run; every other command needs one that exists
  const known = await listPipelines(pipelinesDir)
  if (command !== 'sync' && !known.includes(name)) {
    throw new SluiceError('PIPELINE_UNKNOWN', `there is no pipeline ${name} in ${pipelinesDir}`, {
      hint: known.length
        ? `known pipelines: ${known.join(', ')} (sluice pipeline list)`
        : 'run `sluice run` first, or `sluice pipeline sync` to restore it from its destination',
    })
  }
  if (LOCAL.includes(command))
    return localCommand(name, command, rest, values.format, values.json, io, pipelinesDir)
  if (command === 'mcp') {
    const flags = [
      ...(values.http ? ['--http'] : []),
      ...(values.port !== undefined ? ['--port', values.port] : []),
      ...(values['allow-run'] ? ['--allow-run'] : []),
    ]
    return mcpCommand([...flags, '--pipelines-dir', pipelinesDir], io, name)
  }

  const config = await loadConfig({ cwd: io.cwd, env: io.env, pipelineName: name })
  for (const w of config.warnings) io.stderr.write(`[sluice] warning: ${w}\n`)
  const target = await targetOf({
    pipelineName: name,
    destination: values.destination,
    dataset: values.dataset,
    record,
    config,
    cwd: io.cwd,
  })
  const p = pipeline({
    pipelineName: name,
    destination: target.destination,
    datasetName: target.datasetName,
    pipelinesDir,
  })
  switch (command) {
    case 'drop':
      return dropCommand(
        p,
        {
          selection: rest,
          dropAll: values['drop-all'],
          stateOnly: values['state-only'],
          yes: values.yes,
          ...(values['state-paths'] !== undefined ? { statePaths: values['state-paths'] } : {}),
        },
        `pipeline ${name}, ${target.destination.name} dataset ${p.datasetName}`,
        io,
      )
    case 'sync':
      await p.sync()
      io.stdout.write(
        `restored state and schemas of pipeline ${name} from ${target.destination.name} (dataset ${p.datasetName})\n`,
      )
      return 0
    default: {
      await using dataset = p.dataset()
      return await queryCommand(
        dataset,
        {
          command: command as 'query' | 'tables' | 'head',
          args: rest,
          format: values.format,
          limit: values.limit,
          rows: values.rows,
        },
        io,
      )
    }
  }
}

/** The commands that read only the pipeline's local files. */
async function localCommand(
  name: string,
  command: string,
  rest: readonly string[],
  format: string | undefined,
  json: boolean,
  io: CliIO,
  pipelinesDir: string,
): Promise<number> {
  const p = pipeline({ pipelineName: name, pipelinesDir })
  switch (command) {
    case 'info': {
      const record = await p.destinationRecord()
      const packages = await p.packages()
      const schema = await p.schema()
      const state = await p.state()
      const info: PipelineInfo = {
        pipelineName: p.pipelineName,
        pipelinesDir: p.pipelinesDir,
        datasetName: record?.datasetName ?? null,
        destination: record
          ? { name: record.name, location: record.location, lastRun: record.updatedAt }
          : null,
        schema: schema
          ? { name: schema.name, version: schema.version, tables: Object.keys(schema.tables).length }
          : null,
        packages: packages.map((pk) => ({ loadId: pk.loadId, state: pk.state })),
        resources: Object.fromEntries(
          Object.entries(state?.sources ?? {}).map(([n, src]) => [n, Object.keys(src.resources).sort()]),
        ),
      }
      print(io, json ? info : describeInfo(info))
      return 0
    }
    case 'trace': {
      const trace = await p.lastTrace()
      if (!trace) throw new UsageError(`pipeline ${name} has no trace yet: run \`sluice run\` first`)
      print(io, json ? trace : describeTrace(trace))
      return 0
    }
    case 'schema': {
      const schemaFormat = (format ?? 'yaml') as SchemaFormat
      if (!SCHEMA_FORMATS.includes(schemaFormat)) {
        throw new UsageError(`--format "${format}" is not one of ${SCHEMA_FORMATS.join(', ')}`)
      }
      const schema = await p.schema()
      if (!schema) throw new UsageError(`pipeline ${name} has no schema yet: run \`sluice run\` first`)
      print(io, formatSchema(schema, schemaFormat))
      return 0
    }
    case 'state':
      print(io, (await p.state()) ?? {})
      return 0
    case 'load-package': {
      const packages = await p.packages()
      const id = rest[0] ?? packages.at(-1)?.loadId
      const pkg = id ? await p.package(id) : undefined
      if (!pkg)
        throw new UsageError(
          id ? `no load package ${id} in pipeline ${name}` : `pipeline ${name} has no load packages`,
        )
      print(io, pkg)
      return 0
    }
    case 'drop-pending-packages': {
      const dropped = await p.dropPendingPackages()
      io.stdout.write(
        dropped.length > 0
          ? `dropped ${dropped.length} pending load package(s) of pipeline ${name}: ${dropped.join(', ')}; the next run extracts their data again\n`
          : `pipeline ${name} has no pending load packages\n`,
      )
      return 0
    }
    default:
      print(io, await p.failedJobs())
      return 0
  }
}
