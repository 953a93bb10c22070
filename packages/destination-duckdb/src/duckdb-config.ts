import type { ConfigSection, DestinationConfigContext, DestinationPackage } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { duckdb } from './duckdb-destination.ts'

function invalid(key: string, what: string): SluiceError {
  return new SluiceError('CONFIG_INVALID', `[duckdb] destination.duckdb.${key} must be ${what}`, {
    hint: `fix DESTINATION__DUCKDB__${key.toUpperCase()} (or ${key} in [destination.duckdb] of .sluice/config.toml)`,
  })
}

function size(section: ConfigSection, key: string): string | undefined {
  const value = section[key]
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') throw invalid(key, "a size such as '512MB' or '2GB'")
  return value
}

function positiveInt(section: ConfigSection, key: string): number | undefined {
  const value = section[key]
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!(Number.isInteger(n) && n > 0)) throw invalid(key, 'a positive integer')
  return n
}

/**
 * The config entry point of `@sluice/destination-duckdb` (`[destination.duckdb]`, `DESTINATION__DUCKDB__*`):
 * `credentials` (the database file, dlt's name), `memory_limit`, `load_memory_limit`, `threads`, `load_threads`.
 */
export const destination: DestinationPackage = {
  name: 'duckdb',
  keys: [
    {
      key: 'credentials',
      description: 'the database file (default <pipeline name>.duckdb; ":memory:" keeps it in memory)',
      example: 'clockodo_pipeline.duckdb',
    },
    { key: 'memory_limit', description: "DuckDB's memory_limit", default: '256MB', example: '1GB' },
    {
      key: 'load_memory_limit',
      description:
        'memory_limit while a job file loads into staging (default 96MB; 128MB after the last page)',
      default: '96MB',
    },
    { key: 'threads', description: "DuckDB's threads (default one per CPU core)", example: 2 },
    {
      key: 'load_threads',
      description: 'threads while a job file loads during extraction (default threads - 1)',
      example: 1,
    },
  ],
  fromConfig(section: ConfigSection, ctx: DestinationConfigContext) {
    const path = section['credentials'] ?? `${ctx.pipelineName}.duckdb`
    if (typeof path !== 'string' || path === '') throw invalid('credentials', 'a file path')
    const memoryLimit = size(section, 'memory_limit')
    const loadMemoryLimit = size(section, 'load_memory_limit')
    const threads = positiveInt(section, 'threads')
    const loadThreads = positiveInt(section, 'load_threads')
    return duckdb({
      path,
      ...(memoryLimit !== undefined ? { memoryLimit } : {}),
      ...(loadMemoryLimit !== undefined ? { loadMemoryLimit } : {}),
      ...(threads !== undefined ? { threads } : {}),
      ...(loadThreads !== undefined ? { loadThreads } : {}),
    })
  },
}
