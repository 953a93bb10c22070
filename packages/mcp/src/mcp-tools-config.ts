// Tools about what sluice can load from and into, and whether a pipeline's configuration is complete.
import { type Config, isSluiceError } from '@sluice/core'
import type { ConfigKey } from '@sluice/core/destination'
import {
  DESTINATION_PACKAGES,
  loadDestinationPackage,
  pipeline,
  recordedDestination,
  resolveDestination,
} from '@sluice/core/node'
import { z } from 'zod'
import type { McpContext } from './mcp-context.ts'
import { type AnyTool, defineTool } from './mcp-tool.ts'

/** A configuration key of a source. */
export interface SourceKey {
  key: string
  description: string
  secret?: boolean
  required?: boolean
}

/** The sources `sluice run --source` knows, and how to build others. */
export const SOURCES: readonly { name: string; description: string; keys: readonly SourceKey[] }[] = [
  {
    name: 'clockodo',
    description:
      'Clockodo time tracking: every resource (entries, customers, projects, services, users, absences, work times ...), entries incrementally. `sluice run --source clockodo`; `sluice run --demo` loads a simulated account.',
    keys: [
      { key: 'api_user', description: 'the e-mail of the Clockodo user', secret: true, required: true },
      { key: 'api_key', description: 'Clockodo → Personal data → API key', secret: true, required: true },
      { key: 'base_url', description: 'the API root (default https://my.clockodo.com/api)' },
      {
        key: 'external_application',
        description: '"name;contact e-mail" sent as X-Clockodo-External-Application',
      },
      { key: 'lookback_days', description: 'days re-read before the last loaded window (default 30)' },
      { key: 'timeout_ms', description: 'timeout of one request in milliseconds' },
      { key: 'max_attempts', description: 'attempts per request (retries of transient errors)' },
    ],
  },
  {
    name: 'rest_api',
    description:
      'Any REST API, declared in TypeScript with restApiSource from @sluice/core (base URL, auth, paginators, endpoints, incremental cursors). Scaffold a project with `sluice init --source rest_api NAME`; its keys are the ones pipeline.ts reads, by convention under [sources.<name>] (e.g. api_key as a secret).',
    keys: [],
  },
]

const listSourcesTool = defineTool({
  name: 'list_sources',
  title: 'List sources',
  description:
    'Lists the sources sluice can load (built in: clockodo; any REST API through restApiSource in TypeScript) with their configuration keys under [sources.<name>] and which of them are secrets.',
  pipeline: false,
  readOnly: true,
  input: {},
  async run() {
    const text = SOURCES.map(
      (s) =>
        `## ${s.name}\n${s.description}\n${s.keys
          .map(
            (k) =>
              `- ${k.key}${k.secret ? ' (secret)' : ''}${k.required ? ' (required)' : ''}: ${k.description}`,
          )
          .join('\n')}`,
    ).join('\n\n')
    return { text, structured: { sources: SOURCES } }
  },
})

function keyLine(k: ConfigKey): string {
  const flags = [
    k.secret ? 'secret' : '',
    k.required ? 'required' : '',
    k.default !== undefined ? `default ${k.default}` : '',
  ]
  return `- ${k.key}${flags.some(Boolean) ? ` (${flags.filter(Boolean).join(', ')})` : ''}: ${k.description}`
}

const listDestinationsTool = defineTool({
  name: 'list_destinations',
  title: 'List destinations',
  description:
    'Lists the destinations sluice can load into, each with the configuration keys its package documents under [destination.<name>] (secret ones go in .sluice/secrets.toml), or the package to install when it is missing.',
  pipeline: false,
  readOnly: true,
  input: {},
  async run(_args, ctx) {
    const destinations: { name: string; package: string; installed: boolean; keys: ConfigKey[] }[] = []
    for (const [name, pkg] of Object.entries(DESTINATION_PACKAGES)) {
      try {
        const loaded = await loadDestinationPackage(name, ctx.importer ? { importer: ctx.importer } : {})
        destinations.push({ name, package: pkg, installed: true, keys: [...loaded.keys] })
      } catch (error) {
        if (!isSluiceError(error, 'DEPENDENCY_MISSING')) throw error
        destinations.push({ name, package: pkg, installed: false, keys: [] })
      }
    }
    const text = destinations
      .map((d) =>
        d.installed
          ? `## ${d.name} (${d.package})\n${d.keys.map(keyLine).join('\n')}`
          : `## ${d.name}\nnot installed: npm install ${d.package}`,
      )
      .join('\n\n')
    return { text, structured: { destinations } }
  },
})

interface KeyStatus {
  key: string
  secret: boolean
  required: boolean
  set: boolean
  /** Where to set it when it is missing. */
  whereToSet?: string
}

function status(
  config: Config,
  section: string,
  keys: readonly SourceKey[],
  recorded?: Record<string, unknown>,
): KeyStatus[] {
  return keys.map((k) => {
    const path = `${section}.${k.key}`
    const set =
      config.get(path) !== undefined || (!k.secret && recorded?.[k.key.split('.')[0]!] !== undefined)
    return {
      key: path,
      secret: k.secret ?? false,
      required: k.required ?? false,
      set,
      ...(set ? {} : { whereToSet: config.whereToSet(path, k.secret ? 'secrets' : 'config') }),
    }
  })
}

async function destinationCheck(
  ctx: McpContext,
  config: Config,
  pipelineName: string,
  asked: string | undefined,
) {
  const record = await pipeline({ pipelineName, pipelinesDir: ctx.pipelinesDir }).destinationRecord()
  const name = asked ?? record?.name ?? 'duckdb'
  const options = { pipelineName, cwd: ctx.cwd, ...(ctx.importer ? { importer: ctx.importer } : {}) }
  let keys: KeyStatus[] = []
  let problem: string | undefined
  try {
    const pkg = await loadDestinationPackage(name, options)
    const useRecord = record !== undefined && record.name === name
    keys = status(config, `destination.${name}`, pkg.keys, useRecord ? record.config : undefined)
    if (useRecord) await recordedDestination(record, { config, ...options })
    else await resolveDestination(name, config, options)
  } catch (error) {
    problem = isSluiceError(error) ? `[${error.code}] ${error.message}` : (error as Error).message
  }
  return { name, ok: problem === undefined, ...(problem ? { problem } : {}), keys }
}

const checkConfigTool = defineTool({
  name: 'check_config',
  title: 'Check configuration',
  description:
    "Resolves a pipeline's configuration the way `sluice run` does (environment, .sluice/secrets.toml, .sluice/config.toml, the pipeline's recorded destination) and reports, per key, whether it is set and where to set a missing one, and whether the destination can be built. Never shows values. Works before a pipeline's first run too.",
  pipeline: true,
  readOnly: true,
  input: {
    destination: z
      .string()
      .optional()
      .describe("a destination name; default the pipeline's recorded one, else duckdb"),
    source: z.string().default('clockodo').describe('the source whose keys to check (default clockodo)'),
  },
  async run(args, ctx) {
    const config = await ctx.config(ctx.pipelineName)
    const destination = await destinationCheck(ctx, config, ctx.pipelineName, args.destination)
    const known = SOURCES.find((s) => s.name === args.source)
    const sourceKeys = known?.keys.length
      ? status(config, `sources.${args.source}`, known.keys)
      : Object.keys(config.section(`sources.${args.source}`)).map(
          (key): KeyStatus => ({
            key: `sources.${args.source}.${key}`,
            secret: false,
            required: false,
            set: true,
          }),
        )
    const missing = [...destination.keys, ...sourceKeys].filter((k) => k.required && !k.set).map((k) => k.key)
    const result = {
      pipelineName: ctx.pipelineName,
      ok: destination.ok && missing.length === 0,
      missing,
      destination,
      source: { name: args.source, keys: sourceKeys },
      warnings: config.warnings,
    }
    const lines = [
      result.ok ? 'configuration complete' : 'configuration incomplete',
      ...missing.map((k) => `missing: ${k}`),
      destination.problem
        ? `destination ${destination.name}: ${destination.problem}`
        : `destination ${destination.name}: ok`,
      ...[...destination.keys, ...sourceKeys].map(
        (k) =>
          `${k.set ? 'set    ' : 'not set'} ${k.key}${k.secret ? ' (secret)' : ''}${k.whereToSet && k.required ? ` -> ${k.whereToSet}` : ''}`,
      ),
      ...config.warnings.map((w) => `warning: ${w}`),
    ]
    return { text: lines.join('\n'), structured: result }
  },
})

/** The tools of this file, in the order clients list them. */
export const CONFIG_TOOLS: readonly AnyTool[] = [listSourcesTool, listDestinationsTool, checkConfigTool]
