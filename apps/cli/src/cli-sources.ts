import type { Config, Destination, Source } from '@sluice/core'
import { UsageError } from './cli-errors.ts'
import type { CliIO, RunFlags } from './cli-types.ts'

/** A source ready to run, and what to shut down afterwards (the demo account's server). */
export interface BuiltSource {
  source: Source
  close(): Promise<void>
}

/**
 * The simulated company `--demo` loads: seeded, 25 users over the 3 calendar years up to a fixed day, so that every
 * demo, whenever it runs, loads the same 76,500 entries (with the current day, each workday added 100).
 */
export const DEMO_ACCOUNT = {
  seed: 42,
  today: '2026-12-06',
  size: { users: 25, years: 3, entriesPerWorkday: 4 },
} as const

function optionalString(config: Config, path: string): string | undefined {
  const v = config.get(path)
  if (v === undefined) return undefined
  if (typeof v !== 'string') throw new UsageError(`${path} must be a string: set ${config.whereToSet(path)}`)
  return v
}

/** `sources.clockodo.<key>` as `{ [field]: value }` when set (validated by the source). */
function numberSetting(
  config: Config,
  key: 'timeout_ms' | 'max_attempts' | 'max_response_bytes',
  field: 'timeoutMs' | 'maxAttempts' | 'maxResponseBytes',
): Record<string, number> {
  const v = config.get(`sources.clockodo.${key}`)
  if (v === undefined || v === '') return {}
  // strings pass as they are: the source's check names the key and shows the value
  return { [field]: v as number }
}

async function clockodo(
  flags: RunFlags,
  config: Config,
  io: CliIO,
  destination: Destination,
): Promise<BuiltSource> {
  const { clockodoSource, validateClockodoConfig } = await import('@sluice/source-clockodo')
  let close = async () => {}
  let apiUser = optionalString(config, 'sources.clockodo.api_user')
  let apiKey = optionalString(config, 'sources.clockodo.api_key')
  let baseUrl = optionalString(config, 'sources.clockodo.base_url')
  if (flags.demo) {
    const { startClockodoMock, DEFAULT_CREDENTIALS } = await import('@sluice/clockodo-mock/server')
    const mock = await startClockodoMock({
      seed: DEMO_ACCOUNT.seed,
      today: DEMO_ACCOUNT.today,
      size: DEMO_ACCOUNT.size,
    })
    close = () => mock.close()
    apiUser = DEFAULT_CREDENTIALS.user
    apiKey = DEFAULT_CREDENTIALS.apiKey
    baseUrl = mock.baseUrl
    io.stderr.write(`[sluice] demo: simulated Clockodo account at ${mock.baseUrl}\n`)
  }
  if (!apiUser)
    throw new UsageError(
      `missing the Clockodo user e-mail: set ${config.whereToSet('sources.clockodo.api_user')}`,
    )
  if (!apiKey) {
    throw new UsageError(
      `missing the Clockodo API key: set ${config.whereToSet('sources.clockodo.api_key')} (Clockodo → Personal data → API key)`,
    )
  }
  const lookback = flags.lookbackDays ?? config.get('sources.clockodo.lookback_days')
  // Without merge, re-read windows cannot replace their rows: read everything and replace the tables instead.
  const incremental = destination.capabilities.mergeStrategies.length > 0
  if (!incremental) {
    io.stderr.write(
      `[sluice] ${destination.name} has no merge: entries and work times are read in full and replaced on every run\n`,
    )
  }
  const resolved = validateClockodoConfig({
    apiUser,
    apiKey,
    ...(baseUrl ? { baseUrl } : {}),
    ...(optionalString(config, 'sources.clockodo.external_application')
      ? { externalApplication: optionalString(config, 'sources.clockodo.external_application') }
      : {}),
    ...(flags.since ? { startDate: flags.since } : {}),
    ...(flags.until ? { endDate: flags.until } : {}),
    ...(lookback !== undefined ? { lookbackDays: Number(lookback) } : {}),
    // auto, always or never (checked by the source)
    ...(config.get('sources.clockodo.enhanced_list') !== undefined
      ? { enhancedList: config.get('sources.clockodo.enhanced_list') as 'auto' }
      : {}),
    ...numberSetting(config, 'timeout_ms', 'timeoutMs'),
    ...numberSetting(config, 'max_attempts', 'maxAttempts'),
    ...numberSetting(config, 'max_response_bytes', 'maxResponseBytes'),
    strict: flags.strict,
    ...(incremental ? {} : { incremental: false }),
  })
  try {
    return { source: clockodoSource(resolved), close }
  } catch (error) {
    await close()
    throw error
  }
}

/** Sources the `--source` flag knows. */
export const SOURCES: Record<
  string,
  (flags: RunFlags, config: Config, io: CliIO, destination: Destination) => Promise<BuiltSource>
> = {
  clockodo,
}

/** Builds the source named by `--source`. */
export function buildSource(
  flags: RunFlags,
  config: Config,
  io: CliIO,
  destination: Destination,
): Promise<BuiltSource> {
  const build = SOURCES[flags.source]
  if (!build)
    throw new UsageError(`unknown source "${flags.source}": use one of ${Object.keys(SOURCES).join(', ')}`)
  return build(flags, config, io, destination)
}
