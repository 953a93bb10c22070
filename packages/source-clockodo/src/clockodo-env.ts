import type { Config } from '@sluice/core'
import { createConfig, envProvider } from '@sluice/core'
import type { ClockodoConfig } from './clockodo-config.ts'

/** The options read from configuration, by their key under `[sources.clockodo]`. */
const KEYS = {
  api_user: 'apiUser',
  api_key: 'apiKey',
  base_url: 'baseUrl',
  external_application: 'externalApplication',
  start_date: 'startDate',
  end_date: 'endDate',
  lookback_days: 'lookbackDays',
  window_days: 'windowDays',
  enhanced_list: 'enhancedList',
  max_in_flight: 'maxInFlight',
  timeout_ms: 'timeoutMs',
  max_attempts: 'maxAttempts',
  max_response_bytes: 'maxResponseBytes',
} as const satisfies Record<string, keyof ClockodoConfig>

/** The keys {@link clockodoOptionsFrom} reads under `[sources.clockodo]` (`SOURCES__CLOCKODO__<KEY>`). */
export const CLOCKODO_CONFIG_KEYS: readonly string[] = Object.keys(KEYS)

/**
 * The process's environment variables where the runtime has them (`process.env` on Node.js, Bun and Deno 2), else
 * none (also on Deno without `--allow-env`).
 */
function runtimeEnv(): Readonly<Record<string, string | undefined>> {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    return env ? { ...env } : {}
  } catch {
    return {}
  }
}

/**
 * The options of {@link clockodoSource} that `input` leaves out, taken from `config` (default: the environment
 * variables of the process) the way the `sluice` CLI resolves them: `sources.clockodo.api_user` is
 * `SOURCES__CLOCKODO__API_USER`, then `SOURCES__API_USER` (dlt's section fallback). Options given in `input` win;
 * numbers stay strings here (validation converts and checks them).
 */
export function clockodoOptionsFrom(
  input: Partial<ClockodoConfig>,
  config: Config = createConfig([envProvider(runtimeEnv())]),
): Partial<ClockodoConfig> {
  const out: Record<string, unknown> = {}
  for (const [key, option] of Object.entries(KEYS)) {
    const value = config.get(`sources.clockodo.${key}`)
    if (value !== undefined && value !== '') out[option] = value
  }
  for (const [option, value] of Object.entries(input)) if (value !== undefined) out[option] = value
  return out as Partial<ClockodoConfig>
}
