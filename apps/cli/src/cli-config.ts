import { lstat, readFile, readlink, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'smol-toml'
import { UsageError } from './cli-errors.ts'

type TomlTable = { [key: string]: unknown }

/**
 * Configuration as dlt resolves it: environment variables (`SOURCES__CLOCKODO__API_KEY`), then
 * `.sluice/secrets.toml`, then `.sluice/config.toml` in the working directory. Flags and defaults are
 * applied by the caller around it.
 */
export interface ConfigProvider {
  /** The value at a dotted path such as `sources.clockodo.api_key`, or undefined. */
  get(path: string): unknown
  /**
   * The table at a dotted path such as `destination.postgres`, merged key by key from `.sluice/config.toml`, then
   * `.sluice/secrets.toml`, then the environment variables under its name (`DESTINATION__POSTGRES__CREDENTIALS__HOST`
   * becomes `credentials.host`), later ones winning. Empty when nothing is set.
   */
  section(path: string): Record<string, unknown>
  /** Where a value can be set, for error messages: `SOURCES__CLOCKODO__API_KEY or [sources.clockodo] api_key in .sluice/secrets.toml`. */
  whereToSet(path: string, file?: 'secrets' | 'config'): string
  /** Warnings found while reading (e.g. a world-readable secrets file). */
  readonly warnings: readonly string[]
  /** Secret values seen in config, for redaction. */
  readonly secrets: readonly string[]
}

/** Environment variable name for a dotted config path: `sources.clockodo.api_key` → `SOURCES__CLOCKODO__API_KEY`. */
export function envName(path: string): string {
  return path.split('.').join('__').toUpperCase()
}

/** The target of a symbolic link at `file` whose target does not exist; undefined for anything else. */
async function danglingLink(file: string): Promise<string | undefined> {
  try {
    return (await lstat(file)).isSymbolicLink() ? await readlink(file) : undefined
  } catch {
    return undefined
  }
}

async function readToml(file: string): Promise<{ table: TomlTable; mode?: number } | undefined> {
  let text: string
  let mode: number
  try {
    text = await readFile(file, 'utf8')
    mode = (await stat(file)).mode
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      const target = await danglingLink(file)
      if (target === undefined) return undefined
      throw new UsageError(
        `${file} is a symbolic link to ${target}, which does not exist: point the link at the file, or remove it`,
      )
    }
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`)
  }
  let table: TomlTable
  try {
    table = parse(text) as TomlTable
  } catch (error) {
    const where = (error as { line?: number }).line ? ` (line ${(error as { line: number }).line})` : ''
    throw new UsageError(
      `${file} is not valid TOML${where}: ${(error as Error).message.split('\n')[0]}; fix the file or run \`sluice init\` for a template`,
    )
  }
  checkSections(file, table)
  return { table, mode }
}

/** What a value is, without the value (it may be a secret). */
function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  const type = value instanceof Date ? 'date' : typeof value
  return `a ${type === 'bigint' ? 'number' : type}`
}

/**
 * `[sources]` and `[destination]` hold one table per source or destination (`[sources.clockodo]`,
 * `[destination.postgres]`): anything else there would be ignored, and the run would then fail on a setting it
 * seems to lack. Throws a UsageError naming the file and the entry.
 */
function checkSections(file: string, table: TomlTable): void {
  for (const [section, example] of [
    ['sources', 'clockodo'],
    ['destination', 'postgres'],
  ] as const) {
    const value = table[section]
    if (value === undefined) continue
    if (!isTable(value)) {
      throw new UsageError(
        `${file}: ${section} is ${describe(value)}, not a table: write its settings under [${section}.${example}]`,
      )
    }
    for (const [name, entry] of Object.entries(value)) {
      if (isTable(entry)) continue
      const fix = Array.isArray(entry)
        ? `[[${section}.${name}]] makes an array of tables; write [${section}.${name}] (single brackets)`
        : `${section}.${name} is ${describe(entry)}; write the settings under [${section}.${name}]`
      throw new UsageError(`${file}: ${fix}`)
    }
  }
}

function dig(table: TomlTable | undefined, path: string): unknown {
  let cur: unknown = table
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as TomlTable)[part]
  }
  return cur
}

function isTable(value: unknown): value is TomlTable {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Copies `from`'s keys into `into`, merging tables that both have. */
function mergeInto(into: TomlTable, from: unknown): void {
  if (!isTable(from)) return
  for (const [key, value] of Object.entries(from)) {
    if (isTable(value)) {
      if (!isTable(into[key])) into[key] = {}
      mergeInto(into[key] as TomlTable, value)
    } else into[key] = value
  }
}

const SECRET_KEY = /(key|password|secret|token|credentials)$/i

function collectSecrets(value: unknown, key: string, out: string[]): void {
  if (typeof value === 'string' && SECRET_KEY.test(key)) out.push(value)
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectSecrets(v, SECRET_KEY.test(key) ? key : k, out)
  }
}

/** Reads `.sluice/secrets.toml` and `.sluice/config.toml` under `cwd` and wraps them with `env`. */
export async function loadConfig(
  cwd: string,
  env: Record<string, string | undefined>,
): Promise<ConfigProvider> {
  const secretsFile = join(cwd, '.sluice', 'secrets.toml')
  const configFile = join(cwd, '.sluice', 'config.toml')
  const secrets = await readToml(secretsFile)
  const config = await readToml(configFile)
  const warnings: string[] = []
  if (secrets?.mode !== undefined && (secrets.mode & 0o004) !== 0) {
    warnings.push(
      `${secretsFile} is readable by every user on this machine; run \`chmod 600 ${secretsFile}\``,
    )
  }
  const secretValues: string[] = []
  collectSecrets(secrets?.table, '', secretValues)
  for (const [name, value] of Object.entries(env)) {
    if (value && /__(API_KEY|PASSWORD|CREDENTIALS|SECRET|TOKEN|AWS_SECRET_ACCESS_KEY)/.test(name))
      secretValues.push(value)
  }
  return {
    warnings,
    secrets: secretValues,
    get(path) {
      const fromEnv = env[envName(path)]
      if (fromEnv !== undefined && fromEnv !== '') return fromEnv
      const fromSecrets = dig(secrets?.table, path)
      if (fromSecrets !== undefined) return fromSecrets
      return dig(config?.table, path)
    },
    section(path) {
      const out: TomlTable = {}
      mergeInto(out, dig(config?.table, path))
      mergeInto(out, dig(secrets?.table, path))
      const prefix = `${envName(path)}__`
      // shorter names first: a value set for a table's key wins over a value set for the whole table
      const names = Object.keys(env)
        .filter((name) => name.startsWith(prefix) && env[name] !== undefined && env[name] !== '')
        .sort((a, b) => a.length - b.length || a.localeCompare(b))
      for (const name of names) {
        const parts = name.slice(prefix.length).toLowerCase().split('__')
        if (parts.some((p) => p === '')) continue
        let node = out
        for (const part of parts.slice(0, -1)) {
          if (!isTable(node[part])) node[part] = {}
          node = node[part] as TomlTable
        }
        node[parts.at(-1)!] = env[name]
      }
      return out
    },
    whereToSet(path, file = 'secrets') {
      const parts = path.split('.')
      const key = parts.pop()
      return `${envName(path)}, or ${key} under [${parts.join('.')}] in .sluice/${file}.toml`
    },
  }
}
