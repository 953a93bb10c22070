// `sluice pipeline NAME show` and `sluice dashboard`: serve the pipeline dashboard (@sluice/dashboard) on this
// machine, print its URL (with its token), open the browser on a desktop, serve until Ctrl-C.
import { spawn } from 'node:child_process'
import { parseArgs } from 'node:util'
import { loadConfig, openPipeline } from '@sluice/core/node'
import { serveDashboard } from '@sluice/dashboard'
import { importer } from './cli-destinations.ts'
import { UsageError } from './cli-errors.ts'
import { pipelinesDirFor } from './cli-run.ts'
import type { CliIO } from './cli-types.ts'

export const DASHBOARD_HELP = `Usage: sluice dashboard [options]            every pipeline of the pipelines directory
       sluice pipeline [NAME] show [options]   one pipeline's page (NAME defaults to clockodo_pipeline)

Serves a local web page of what the pipelines loaded: the last run, schema, data (with a read-only SQL box),
state, trace, loads, and Clockodo hours per week. Prints the URL with its token, opens the browser (on a
desktop), and serves until Ctrl-C. Only requests with the token and this host's name are answered.
Options:
  --port N                 (default: a free port)
  --host HOST              the interface to listen on (default: 127.0.0.1, this machine only)
  --no-open                do not open the browser
  --pipelines-dir DIR      (default: $SLUICE_PIPELINES_DIR or ~/.sluice/pipelines)
`

/** True where a browser can be opened: not on a Linux without a display. */
export function canOpenBrowser(env: CliIO['env'], platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'darwin' || platform === 'win32') return true
  return Boolean(env['DISPLAY'] || env['WAYLAND_DISPLAY'])
}

function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]]
  const child = spawn(command, args as string[], { stdio: 'ignore', detached: true })
  child.on('error', () => {})
  child.unref()
}

/**
 * Runs `sluice dashboard` (`pipeline` undefined) or `sluice pipeline NAME show`; returns the exit code once
 * Ctrl-C (or SIGTERM) stopped the server.
 */
export async function dashboardCommand(
  args: string[],
  io: CliIO,
  pipeline: string | undefined,
): Promise<number> {
  let values: { port?: string; host?: string; open: boolean; 'pipelines-dir'?: string; help: boolean }
  try {
    values = parseArgs({
      args,
      allowPositionals: false,
      allowNegative: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        open: { type: 'boolean', default: true },
        'pipelines-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; see \`sluice dashboard --help\``)
  }
  if (values.help) {
    io.stdout.write(DASHBOARD_HELP)
    return 0
  }
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port "${values.port}" must be a port number (0-65535)`)
  const pipelinesDir = pipelinesDirFor(values['pipelines-dir'], io)
  // an unknown pipeline fails here, listing the known ones
  if (pipeline !== undefined) await openPipeline(pipeline, { pipelinesDir })
  const config = await loadConfig({ cwd: io.cwd, env: io.env })
  for (const w of config.warnings) io.stderr.write(`[sluice] warning: ${w}\n`)
  const dashboard = await serveDashboard({
    pipelinesDir,
    host: values.host ?? '127.0.0.1',
    port,
    ...(pipeline !== undefined ? { pipeline } : {}),
    config,
    importer,
  })
  io.stdout.write(`${dashboard.url}\n`)
  io.stderr.write(
    `[sluice] dashboard of ${pipeline ? `pipeline ${pipeline}` : pipelinesDir} served at the URL above (Ctrl-C stops it)\n`,
  )
  if (values.open && canOpenBrowser(io.env)) openBrowser(dashboard.url)
  let offs: (() => void)[] = []
  await new Promise<void>((resolve) => {
    offs = [io.onSignal('SIGINT', resolve), io.onSignal('SIGTERM', resolve)]
  })
  for (const off of offs) off()
  await dashboard.close()
  return 0
}
