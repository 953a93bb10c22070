import { parseArgs } from 'node:util'
import type { LoadInfo } from '@sluice/core'
import { UsageError } from './cli-errors.ts'
import { pipelinesDirFor, runCommand } from './cli-run.ts'
import type { CliIO } from './cli-types.ts'

export const MCP_HELP = `Usage: sluice mcp [options]
       sluice pipeline NAME mcp [options]   (the same server for one pipeline: its tools take no pipeline_name)

Serves sluice to coding agents over the Model Context Protocol: pipelines, tables, read-only SQL, schemas,
the last run, masked secrets, sources, destinations and configuration checks. Configuration is read from
the working directory (.sluice/*.toml) and the environment at every call. Logs go to stderr.
Options:
  --http                   serve streamable HTTP on 127.0.0.1 instead of stdio; every request needs
                           Authorization: Bearer <token> (printed on stderr; or set SLUICE_MCP_TOKEN)
  --port N                 the HTTP port (default: 43654)
  --allow-run              add the run_pipeline tool (it runs \`sluice run --pipeline-name NAME\`)
  --pipelines-dir DIR      (default: $SLUICE_PIPELINES_DIR or ~/.sluice/pipelines)
`

/** Flags of `sluice mcp` (also accepted by `sluice pipeline NAME mcp`). */
export const MCP_OPTIONS = {
  http: { type: 'boolean', default: false },
  port: { type: 'string' },
  'allow-run': { type: 'boolean', default: false },
} as const

/** Text written to a string: `sluice run --json` inside the server, whose stdout is the protocol. */
function captured(): NodeJS.WritableStream & { text: string } {
  const sink = {
    text: '',
    write(chunk: string | Uint8Array, ...rest: unknown[]) {
      sink.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined
      done?.()
      return true
    },
  }
  return sink as unknown as NodeJS.WritableStream & { text: string }
}

/** `run_pipeline`: `sluice run --pipeline-name NAME --json` in this process, its progress on stderr. */
function runner(io: CliIO) {
  return async (pipelineName: string, options: { resources?: string[] }): Promise<LoadInfo> => {
    const out = captured()
    const args = ['--pipeline-name', pipelineName, '--json', '--progress', 'none', '--page-workers', '0']
    if (options.resources?.length) args.push('--resources', options.resources.join(','))
    await runCommand(args, { ...io, stdout: out, stderr: io.stderr })
    return JSON.parse(out.text) as LoadInfo
  }
}

/** `sluice mcp` (and `sluice pipeline NAME mcp` with `pipeline`): serves until stdin closes or a signal. */
export async function mcpCommand(args: string[], io: CliIO, pipeline?: string): Promise<number> {
  let values: { http: boolean; port?: string; 'allow-run': boolean; 'pipelines-dir'?: string; help?: boolean }
  try {
    ;({ values } = parseArgs({
      args,
      options: {
        ...MCP_OPTIONS,
        'pipelines-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }))
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; see \`sluice mcp --help\``)
  }
  if (values.help) {
    io.stdout.write(MCP_HELP)
    return 0
  }
  const port = values.port === undefined ? 43654 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port "${values.port}" must be a port number from 0 to 65535`)
  }
  const { serveHttp, serveStdio } = await import('@sluice/mcp')
  const options = {
    cwd: io.cwd,
    env: io.env,
    pipelinesDir: pipelinesDirFor(values['pipelines-dir'], io),
    importer: (specifier: string) => import(specifier),
    ...(pipeline ? { pipeline } : {}),
    ...(values['allow-run'] ? { run: runner(io) } : {}),
  }
  if (!values.http) {
    io.stderr.write(`[sluice] MCP server on stdio${pipeline ? ` for pipeline ${pipeline}` : ''}\n`)
    await serveStdio(options)
    return 0
  }
  const server = await serveHttp({
    ...options,
    port,
    ...(io.env.SLUICE_MCP_TOKEN ? { token: io.env.SLUICE_MCP_TOKEN } : {}),
  })
  io.stderr.write(
    `[sluice] MCP server on ${server.url}\n` +
      (io.env.SLUICE_MCP_TOKEN
        ? '[sluice] clients send Authorization: Bearer $SLUICE_MCP_TOKEN\n'
        : `[sluice] clients send Authorization: Bearer ${server.token}\n`),
  )
  await new Promise<void>((resolve) => {
    const offInt = io.onSignal('SIGINT', stop)
    const offTerm = io.onSignal('SIGTERM', stop)
    function stop() {
      offInt()
      offTerm()
      resolve()
    }
  })
  await server.close()
  return 0
}
