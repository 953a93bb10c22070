import { redact } from '@sluice/core'
import { heapGrowthFromEnv } from '@sluice/core/node'
import { exitCodeFor, formatError, UsageError } from './cli-errors.ts'
import { initCommand } from './cli-init.ts'
import { pipelineCommand } from './cli-pipeline.ts'
import { runCommand } from './cli-run.ts'

/** What the CLI touches of its process, injectable for tests. */
export interface CliIO {
  cwd: string
  env: Record<string, string | undefined>
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  /** Subscribes to a process signal; returns the unsubscribe function. */
  onSignal(signal: 'SIGINT' | 'SIGTERM', handler: () => void): () => void
  /**
   * Tunes the process's V8 heap for a batch run (`limitHeapGrowth` of `@sluice/core/node`); the bin passes it,
   * tests leave it out. `run` calls it with {@link heapGrowthFromEnv}'s percent (unset: 100 without page workers,
   * V8's own sizing with them).
   */
  limitHeapGrowth?(percent: number): void
  /**
   * Keeps the main thread's V8 young generation small while page workers parse the pages
   * (`holdYoungGeneration` of `@sluice/core/node`); the bin passes it, tests leave it out. `run` calls it when
   * page workers run.
   */
  holdYoungGeneration?(): void
}

export const HELP = `Usage: sluice <command> [options]

Commands:
  run                      load a source into a destination (sluice run --help)
  init                     write commented .sluice/config.toml and .sluice/secrets.toml templates
  pipeline [NAME] <cmd>    inspect or manage a pipeline: info, trace, schema, state, load-package,
                           failed-jobs, drop, sync (sluice pipeline --help)

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
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(HELP)
        return command === undefined ? 2 : 0
      default:
        throw new UsageError(`unknown command "${command}": use run, init or pipeline (sluice --help)`)
    }
  } catch (error) {
    const secrets = Object.entries(io.env)
      .filter(([k, v]) => v && SECRET_ENV.test(k))
      .map(([, v]) => v)
    io.stderr.write(`${redact(formatError(error), secrets)}\n`)
    return exitCodeFor(error)
  }
}
