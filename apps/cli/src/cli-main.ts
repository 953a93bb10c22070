import { redact } from '@sluice/core'
import { DESTINATION_PACKAGES } from '@sluice/core/node'
import { destinationPackage } from './cli-destinations.ts'
import { errorObject, exitCodeFor, formatError, UsageError } from './cli-errors.ts'
import { heapGrowthFromEnv } from './cli-heap.ts'
import type { CliIO } from './cli-types.ts'
import { CLI_VERSION } from './cli-version.ts'

export const HELP = `Usage: sluice <command> [options]

Commands:
  run                      load a source into a destination (sluice run --help)
  init                     write commented .sluice/config.toml and .sluice/secrets.toml templates;
                           init --source rest_api NAME: a new TypeScript pipeline project for a REST API
  pipeline [NAME] <cmd>    inspect, query or manage a pipeline: info, trace, schema, state, load-package,
                           failed-jobs, query, tables, head, drop, sync, drop-pending-packages, show, mcp;
                           pipeline list (sluice pipeline --help)
  dashboard                the pipelines dashboard: a local web page (sluice dashboard --help)
  mcp                      serve pipelines, data and config to coding agents over MCP (sluice mcp --help)
  ai                       set up Claude Code, Cursor or Codex for sluice: rules, skills, MCP (sluice ai --help)

Options:
  --version, -V            print the version

Quick start without an account:  sluice run --demo
`

const SECRET_ENV = /(API_KEY|PASSWORD|CREDENTIALS|SECRET|TOKEN)/

/**
 * True for a `DESTINATION__<NAME>__<KEY>` variable whose destination package declares that key not secret
 * (DuckDB's `credentials` is a file path, which an error should show). Anything else named like a secret stays
 * one, also when the package cannot be loaded.
 */
async function declaredPublic(name: string): Promise<boolean> {
  const match = /^DESTINATION__([A-Z0-9_]+?)__(.+)$/.exec(name)
  const destination = match?.[1]?.toLowerCase()
  if (!match || !destination || !(destination in DESTINATION_PACKAGES)) return false
  try {
    const pkg = await destinationPackage(destination)
    const key = match[2]!.toLowerCase().split('__').join('.')
    const declared = pkg.keys.find((k) => k.key === key)
    return declared !== undefined && declared.secret !== true
  } catch {
    return false
  }
}

/** Values of environment variables named like secrets, to redact from error messages. */
async function secretValues(env: CliIO['env']): Promise<string[]> {
  const out: string[] = []
  for (const [name, value] of Object.entries(env)) {
    if (value && SECRET_ENV.test(name) && !(await declaredPublic(name))) out.push(value)
  }
  return out
}

/** Runs the CLI and returns its exit code: 0 done, 1 load failed, 2 usage or configuration error. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv
  try {
    // a bad value is refused before any command runs; `run` applies it
    heapGrowthFromEnv(io.env)
    // each command's modules load when it runs: `sluice run` does not load the dashboard's web server (hono),
    // the MCP server or the templates of `init`
    switch (command) {
      case 'run':
        return await (await import('./cli-run.ts')).runCommand(rest, io)
      case 'init':
        return await (await import('./cli-init.ts')).initCommand(rest, io)
      case 'pipeline':
        return await (await import('./cli-pipeline.ts')).pipelineCommand(rest, io)
      case 'mcp':
        return await (await import('./cli-mcp.ts')).mcpCommand(rest, io)
      case 'ai':
        return await (await import('./cli-ai.ts')).aiCommand(rest, io)
      case 'dashboard':
        return await (await import('./cli-dashboard.ts')).dashboardCommand(rest, io, undefined)
      case '--version':
      case '-V':
      case '-v':
        io.stdout.write(`${CLI_VERSION}\n`)
        return 0
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(HELP)
        return command === undefined ? 2 : 0
      default:
        throw new UsageError(
          `unknown command "${command}": use run, init, pipeline, dashboard, mcp or ai (sluice --help)`,
        )
    }
  } catch (error) {
    const secrets = await secretValues(io.env)
    io.stderr.write(`${redact(formatError(error), secrets)}\n`)
    // a script that asked for JSON gets the error as JSON on stdout too
    if (rest.includes('--json')) io.stdout.write(`${redact(JSON.stringify(errorObject(error)), secrets)}\n`)
    return exitCodeFor(error)
  }
}
