import { redact } from '@sluice/core'
import { aiCommand } from './cli-ai.ts'
import { exitCodeFor, formatError, UsageError } from './cli-errors.ts'
import { heapGrowthFromEnv } from './cli-heap.ts'
import { initCommand } from './cli-init.ts'
import { mcpCommand } from './cli-mcp.ts'
import { pipelineCommand } from './cli-pipeline.ts'
import { runCommand } from './cli-run.ts'
import type { CliIO } from './cli-types.ts'

export const HELP = `Usage: sluice <command> [options]

Commands:
  run                      load a source into a destination (sluice run --help)
  init                     write commented .sluice/config.toml and .sluice/secrets.toml templates;
                           init --source rest_api NAME: a new TypeScript pipeline project for a REST API
  pipeline [NAME] <cmd>    inspect, query or manage a pipeline: info, trace, schema, state, load-package,
                           failed-jobs, query, tables, head, drop, sync, mcp; pipeline list (sluice pipeline --help)
  mcp                      serve pipelines, data and config to coding agents over MCP (sluice mcp --help)
  ai                       set up Claude Code, Cursor or Codex for sluice: rules, skills, MCP (sluice ai --help)

Quick start without an account:  sluice run --demo
`

const SECRET_ENV = /(API_KEY|PASSWORD|CREDENTIALS|SECRET|TOKEN)/

/** Runs the CLI and returns its exit code: 0 done, 1 load failed, 2 usage or configuration error. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv
  try {
    // a bad value is refused before any command runs; `run` applies it
    heapGrowthFromEnv(io.env)
    switch (command) {
      case 'run':
        return await runCommand(rest, io)
      case 'init':
        return await initCommand(rest, io)
      case 'pipeline':
        return await pipelineCommand(rest, io)
      case 'mcp':
        return await mcpCommand(rest, io)
      case 'ai':
        return await aiCommand(rest, io)
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(HELP)
        return command === undefined ? 2 : 0
      default:
        throw new UsageError(
          `unknown command "${command}": use run, init, pipeline, mcp or ai (sluice --help)`,
        )
    }
  } catch (error) {
    const secrets = Object.entries(io.env)
      .filter(([k, v]) => v && SECRET_ENV.test(k))
      .map(([, v]) => v)
    io.stderr.write(`${redact(formatError(error), secrets)}\n`)
    return exitCodeFor(error)
  }
}
