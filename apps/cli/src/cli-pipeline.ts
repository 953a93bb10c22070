import { parseArgs } from 'node:util'
import type { Pipeline } from '@sluice/core'
import { pipeline } from '@sluice/core/node'
import { loadConfig } from './cli-config.ts'
import { resolveDestination } from './cli-destinations.ts'
import { UsageError } from './cli-errors.ts'
import { pipelinesDirFor } from './cli-run.ts'
import { formatSchema, type SchemaFormat } from './cli-schema-format.ts'
import type { CliIO } from './cli-types.ts'

export const PIPELINE_HELP = `Usage: sluice pipeline [NAME] <command> [options]

NAME defaults to clockodo_pipeline.
Commands:
  info                     local state, schemas and load packages
  trace                    the last run: steps, timings, rows, errors
  schema [--format F]      the schema as json, yaml or mermaid (default: yaml)
  state                    the pipeline state (incremental cursors)
  load-package [ID]        one load package (default: the newest): state, jobs, tables
  failed-jobs              jobs that failed, with their errors
  drop [RESOURCE...]       drop the resources' tables and state (all resources without names)
  sync                     replace local state and schemas with the ones stored in the destination
  drop-pending-packages    delete the local load packages that are not loaded (pending, aborted, or
                           damaged); nothing of them was committed: the next run extracts their data again
Options:
  --destination NAME       for drop and sync (default: duckdb)
  --dataset NAME           (default: clockodo_data)
  --pipelines-dir DIR
`

const COMMANDS = [
  'info',
  'trace',
  'schema',
  'state',
  'load-package',
  'failed-jobs',
  'drop',
  'sync',
  'drop-pending-packages',
]

function print(io: CliIO, value: unknown): void {
  io.stdout.write(typeof value === 'string' ? `${value}\n` : `${JSON.stringify(value, null, 2)}\n`)
}

/** `sluice pipeline ...`: returns the exit code. */
export async function pipelineCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args,
        allowPositionals: true,
        options: {
          destination: { type: 'string', default: 'duckdb' },
          dataset: { type: 'string', default: 'clockodo_data' },
          'pipelines-dir': { type: 'string' },
          format: { type: 'string', default: 'yaml' },
          help: { type: 'boolean', short: 'h', default: false },
        },
      })
    } catch (error) {
      throw new UsageError(`${(error as Error).message}; see \`sluice pipeline --help\``)
    }
  })()
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
  const config = await loadConfig(io.cwd, io.env)
  const destination = await resolveDestination(values.destination, config, name, io.cwd)
  const p: Pipeline = pipeline({
    pipelineName: name,
    destination,
    datasetName: values.dataset,
    pipelinesDir: pipelinesDirFor(values['pipelines-dir'], io),
  })
  switch (command) {
    case 'info': {
      const packages = await p.packages()
      const schema = await p.schema()
      print(io, {
        pipelineName: p.pipelineName,
        pipelinesDir: p.pipelinesDir,
        datasetName: p.datasetName,
        schema: schema
          ? { name: schema.name, version: schema.version, tables: Object.keys(schema.tables).length }
          : null,
        packages: packages.map((pk) => ({ loadId: pk.loadId, state: pk.state })),
      })
      return 0
    }
    case 'trace': {
      const trace = await p.lastTrace()
      if (!trace) throw new UsageError(`pipeline ${name} has no trace yet: run \`sluice run\` first`)
      print(io, trace)
      return 0
    }
    case 'schema': {
      const format = values.format as SchemaFormat
      if (!['json', 'yaml', 'mermaid'].includes(format)) {
        throw new UsageError(`--format "${values.format}" is not one of json, yaml, mermaid`)
      }
      const schema = await p.schema()
      if (!schema) throw new UsageError(`pipeline ${name} has no schema yet: run \`sluice run\` first`)
      print(io, formatSchema(schema, format))
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
    case 'failed-jobs':
      print(io, await p.failedJobs())
      return 0
    case 'drop':
      await p.drop(rest)
      io.stdout.write(`dropped ${rest.length ? rest.join(', ') : 'all resources'} of pipeline ${name}\n`)
      return 0
    case 'sync':
      await p.sync()
      io.stdout.write(`restored state and schemas of pipeline ${name} from ${destination.name}\n`)
      return 0
    case 'drop-pending-packages': {
      const dropped = await p.dropPendingPackages()
      io.stdout.write(
        dropped.length > 0
          ? `dropped ${dropped.length} pending load package(s) of pipeline ${name}: ${dropped.join(', ')}; the next run extracts their data again\n`
          : `pipeline ${name} has no pending load packages\n`,
      )
      return 0
    }
  }
  return 2
}
