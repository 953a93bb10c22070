import { lstat, readFile, readlink, stat } from 'node:fs/promises'
import { join } from 'node:path'
import process from 'node:process'
import { parse } from 'smol-toml'
import {
  type Config,
  type ConfigTable,
  createConfig,
  envProvider,
  tableProvider,
} from '../config/config-resolve.ts'
import { SluiceError } from '../errors.ts'

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The directory whose `.sluice/` is read. Default `process.cwd()`. */
  cwd?: string
  /** The environment variables. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  /** Looks under `[<pipelineName>.…]` first (dlt's pipeline sections). Default none. */
  pipelineName?: string
}

async function readToml(file: string): Promise<{ table: ConfigTable; mode: number } | undefined> {
  let text: string
  let mode: number
  try {
    text = await readFile(file, 'utf8')
    mode = (await stat(file)).mode
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      const target = await danglingLink(file)
      if (target === undefined) return undefined
      throw new SluiceError(
        'CONFIG_INVALID',
        `${file} is a symbolic link to ${target}, which does not exist`,
        {
          hint: 'point the link at the file, or remove it',
        },
      )
    }
    throw new SluiceError('CONFIG_INVALID', `cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  let table: ConfigTable
  try {
    table = parse(text) as ConfigTable
  } catch (error) {
    const line = (error as { line?: number }).line
    // the message says what to do itself (the CLI has printed it this way since its first release)
    throw new SluiceError(
      'CONFIG_INVALID',
      `${file} is not valid TOML${line ? ` (line ${line})` : ''}: ${(error as Error).message.split('\n')[0]}; fix the file or run \`sluice init\` for a template`,
    )
  }
  checkSections(file, table)
  return { table, mode }
}

/** The target of a symbolic link at `file` whose target does not exist; undefined for anything else. */
async function danglingLink(file: string): Promise<string | undefined> {
  try {
    return (await lstat(file)).isSymbolicLink() ? await readlink(file) : undefined
  } catch {
    return undefined
  }
}

function isTable(value: unknown): value is ConfigTable {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)
}

/** What a value is, without the value (it may be a secret). */
function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  const type = value instanceof Date ? 'date' : typeof value
  return `a ${type === 'bigint' ? 'number' : type}`
}

/**
 * `[sources]` and `[destination]` hold one table per source or destination (`[sources.clockodo]`,
 * `[destination.postgres]`): anything else there would be ignored, and the run would then fail on a setting it
 * seems to lack. Throws `CONFIG_INVALID` naming the file and the entry.
 */
function checkSections(file: string, table: ConfigTable): void {
  for (const [section, example] of [
    ['sources', 'clockodo'],
    ['destination', 'postgres'],
  ] as const) {
    const value = table[section]
    if (value === undefined) continue
    if (!isTable(value)) {
      throw new SluiceError(
        'CONFIG_INVALID',
        `${file}: ${section} is ${describeValue(value)}, not a table: write its settings under [${section}.${example}]`,
      )
    }
    for (const [name, entry] of Object.entries(value)) {
      if (isTable(entry)) continue
      const fix = Array.isArray(entry)
        ? `[[${section}.${name}]] makes an array of tables; write [${section}.${name}] (single brackets)`
        : `${section}.${name} is ${describeValue(entry)}; write the settings under [${section}.${name}]`
      throw new SluiceError('CONFIG_INVALID', `${file}: ${fix}`)
    }
  }
}

const SECRET_KEY = /(key|password|secret|token|credentials)$/i
const SECRET_ENV = /__(API_KEY|PASSWORD|CREDENTIALS|SECRET|TOKEN|AWS_SECRET_ACCESS_KEY)/

function collectSecrets(value: unknown, key: string, out: string[]): void {
  if (typeof value === 'string' && SECRET_KEY.test(key)) out.push(value)
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectSecrets(v, SECRET_KEY.test(key) ? key : k, out)
  }
}

/**
 * Configuration as dlt resolves it, for Node.js and Deno: environment variables (`SOURCES__CLOCKODO__API_KEY`), then
 * `.sluice/secrets.toml`, then `.sluice/config.toml` in `cwd`. Warns about a secrets file other users may read.
 * Flags and defaults are the caller's; a pipeline's recorded settings go below the files
 * (`config.withFallback(...)`). Throws `CONFIG_INVALID` for a file that is not TOML.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  const secretsFile = join(cwd, '.sluice', 'secrets.toml')
  const configFile = join(cwd, '.sluice', 'config.toml')
  const secrets = await readToml(secretsFile)
  const config = await readToml(configFile)
  const warnings: string[] = []
  if (secrets !== undefined && (secrets.mode & 0o004) !== 0) {
    warnings.push(
      `${secretsFile} is readable by every user on this machine; run \`chmod 600 ${secretsFile}\``,
    )
  }
  const secretValues: string[] = []
  collectSecrets(secrets?.table, '', secretValues)
  for (const [name, value] of Object.entries(env)) {
    if (value && SECRET_ENV.test(name)) secretValues.push(value)
  }
  return createConfig(
    [
      envProvider(env),
      tableProvider('.sluice/secrets.toml', secrets?.table),
      tableProvider('.sluice/config.toml', config?.table),
    ],
    {
      warnings,
      secrets: secretValues,
      ...(options.pipelineName ? { pipelineName: options.pipelineName } : {}),
    },
  )
}
