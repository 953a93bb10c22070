// Configuration lookup as dlt does it, without touching the runtime: providers (environment variables, TOML files,
// a pipeline's record) are handed in; `loadConfig` in @sluice/core/node reads them from the process and the disk.

/** A table of configuration: keys in dlt's names, nested tables as plain objects. */
export type ConfigTable = { [key: string]: unknown }

/**
 * One place configuration comes from: environment variables, a TOML file, the settings a pipeline recorded.
 * Providers are pure lookups; {@link createConfig} orders them and applies dlt's section fallback.
 */
export interface ConfigProvider {
  /** Where the values come from, for messages, e.g. `environment variables`, `.sluice/secrets.toml`. */
  readonly name: string
  /**
   * The value at a path of keys (`['destination', 'postgres', 'credentials']`): a plain value, a table as a plain
   * object, or undefined when nothing is set there. MUST NOT return an empty string as a value (unset).
   */
  get(keys: readonly string[]): unknown
}

/** Resolved configuration: the providers, highest priority first, behind dlt's lookup rules. */
export interface Config {
  /**
   * The value at a dotted path such as `sources.clockodo.api_key`, or undefined. Providers are asked in order
   * (the first that has a value wins); each looks under the pipeline's own section first
   * (`<pipeline_name>.sources.clockodo.api_key`), then the path, then the path without its innermost section
   * (`sources.api_key`), down to the top section, which is never dropped.
   */
  get(path: string): unknown
  /**
   * The table at a dotted path such as `destination.postgres`, merged key by key over every provider (higher ones
   * winning), nested tables merged too: `DESTINATION__POSTGRES__CREDENTIALS__HOST` becomes `credentials.host`. A
   * provider's table under `<pipeline_name>.<path>` wins over its table at the path. With `keys` (the top-level
   * names a destination reads), those names are also taken from the section above (`destination.credentials`).
   * Empty when nothing is set.
   */
  section(path: string, keys?: readonly string[]): ConfigTable
  /** Where a value can be set, for messages: `SOURCES__CLOCKODO__API_KEY, or api_key under [sources.clockodo] in .sluice/secrets.toml`. */
  whereToSet(path: string, file?: 'secrets' | 'config'): string
  /** Warnings found while reading the providers (e.g. a world-readable secrets file). */
  readonly warnings: readonly string[]
  /** Secret values seen in the providers, for redaction. */
  readonly secrets: readonly string[]
  /** The same configuration with one more provider of the lowest priority (below the files, above defaults). */
  withFallback(provider: ConfigProvider): Config
}

/** Options of {@link createConfig}. */
export interface CreateConfigOptions {
  /** Looks under `<pipelineName>.` first, as dlt does. Default none. */
  pipelineName?: string
  /** Warnings to pass on (see {@link Config.warnings}). */
  warnings?: readonly string[]
  /** Secret values to pass on (see {@link Config.secrets}). */
  secrets?: readonly string[]
}

/** Environment variable name for a dotted config path: `sources.clockodo.api_key` → `SOURCES__CLOCKODO__API_KEY`. */
export function envName(path: string): string {
  return path.split('.').join('__').toUpperCase()
}

/** True for a plain object (a TOML table, a parsed JSON object), not an array, date or class instance. */
export function isConfigTable(value: unknown): value is ConfigTable {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Copies `from`'s keys into `into`, merging tables that both have; later calls win. */
function mergeInto(into: ConfigTable, from: unknown): void {
  if (!isConfigTable(from)) return
  for (const [key, value] of Object.entries(from)) {
    if (isConfigTable(value)) {
      if (!isConfigTable(into[key])) into[key] = {}
      mergeInto(into[key] as ConfigTable, value)
    } else into[key] = value
  }
}

/** A provider over a table such as a parsed TOML file (`name` says which, for messages). */
export function tableProvider(name: string, table: ConfigTable | undefined): ConfigProvider {
  return {
    name,
    get(keys) {
      let at: unknown = table
      for (const key of keys) {
        if (!isConfigTable(at)) return undefined
        at = at[key]
      }
      return at === '' ? undefined : at
    },
  }
}

/**
 * A provider over environment variables in dlt's names: the path `destination.postgres.credentials` is
 * `DESTINATION__POSTGRES__CREDENTIALS`; variables under it (`..._CREDENTIALS__HOST`) make a table. Empty values
 * count as unset.
 */
export function envProvider(env: Readonly<Record<string, string | undefined>>): ConfigProvider {
  return {
    name: 'environment variables',
    get(keys) {
      const name = envName(keys.join('.'))
      const exact = env[name]
      if (exact !== undefined && exact !== '') return exact
      const prefix = `${name}__`
      // shorter names first: a value set for a table's key wins over a value set for the whole table
      const names = Object.keys(env)
        .filter((n) => n.startsWith(prefix) && env[n] !== undefined && env[n] !== '')
        .sort((a, b) => a.length - b.length || a.localeCompare(b))
      if (names.length === 0) return undefined
      const out: ConfigTable = {}
      for (const n of names) {
        const parts = n.slice(prefix.length).toLowerCase().split('__')
        if (parts.some((p) => p === '')) continue
        let node = out
        for (const part of parts.slice(0, -1)) {
          if (!isConfigTable(node[part])) node[part] = {}
          node = node[part] as ConfigTable
        }
        node[parts.at(-1)!] = env[n]
      }
      return out
    },
  }
}

/** The paths a value at `keys` is looked up under, most specific first (dlt's section fallback). */
function lookupPaths(keys: readonly string[], pipelineName: string | undefined): string[][] {
  const key = keys.at(-1)!
  const sections = keys.slice(0, -1)
  const shortened: string[][] = []
  for (let n = sections.length; n >= Math.min(1, sections.length); n--)
    shortened.push([...sections.slice(0, n), key])
  return pipelineName ? [...shortened.map((p) => [pipelineName, ...p]), ...shortened] : shortened
}

/**
 * Configuration over `providers`, highest priority first: environment variables, then `.sluice/secrets.toml`, then
 * `.sluice/config.toml` is the order `loadConfig` of `@sluice/core/node` uses. Flags and defaults are applied by
 * the caller around it.
 */
export function createConfig(
  providers: readonly ConfigProvider[],
  options: CreateConfigOptions = {},
): Config {
  const { pipelineName } = options
  return {
    warnings: options.warnings ?? [],
    secrets: options.secrets ?? [],
    get(path) {
      const paths = lookupPaths(path.split('.'), pipelineName)
      for (const provider of providers) {
        for (const p of paths) {
          const value = provider.get(p)
          if (value !== undefined) return value
        }
      }
      return undefined
    },
    section(path, keys) {
      const parts = path.split('.')
      const out: ConfigTable = {}
      // lowest priority first, so that later merges win
      for (const provider of [...providers].reverse()) {
        if (keys && parts.length > 1) {
          const above = provider.get(parts.slice(0, -1))
          if (isConfigTable(above)) {
            for (const key of new Set(keys.map((k) => k.split('.')[0]!)))
              if (above[key] !== undefined) mergeInto(out, { [key]: above[key] })
          }
        }
        mergeInto(out, provider.get(parts))
        if (pipelineName) mergeInto(out, provider.get([pipelineName, ...parts]))
      }
      return out
    },
    whereToSet(path, file = 'secrets') {
      const parts = path.split('.')
      const key = parts.pop()
      return `${envName(path)}, or ${key} under [${parts.join('.')}] in .sluice/${file}.toml`
    },
    withFallback(provider) {
      return createConfig([...providers, provider], options)
    },
  }
}
