// The project's .sluice/secrets.toml for agents: which keys exist, a view with every value masked, and a merge
// of placeholder fragments. No function here returns a secret value.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SluiceError } from '@sluice/core'
import { parse, stringify } from 'smol-toml'

type Table = { [key: string]: unknown }

/** What a masked value shows. */
export const MASK = '**********'

/** The files sluice reads configuration from, relative to the project. */
export const CONFIG_FILES = { secrets: '.sluice/secrets.toml', config: '.sluice/config.toml' } as const

const HEADER = `# sluice secrets. Keep this file private (chmod 600) and out of version control.
# Environment variables win over this file: [sources.clockodo] api_key  <->  SOURCES__CLOCKODO__API_KEY
`

/**
 * A placeholder a person still has to replace, shown as it is: empty, `<...>`, a value with `*****` in it
 * (`sk-*****-your-key`), or one that starts with `your-` / `your_` / `YOUR_`.
 */
export function isPlaceholder(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    (value === '' || /^<[^>]*>$/.test(value) || value.includes('*****') || /^your[-_]/i.test(value))
  )
}

/** A table with every leaf masked except placeholders (numbers and booleans masked too). */
export function redactTable(table: Table): Table {
  const out: Table = {}
  for (const [k, v] of Object.entries(table)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date))
      out[k] = redactTable(v as Table)
    else out[k] = isPlaceholder(v) ? v : MASK
  }
  return out
}

/** Dotted paths of the leaves of a table. */
export function keyPaths(table: Table, prefix = ''): string[] {
  return Object.entries(table).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? keyPaths(v as Table, `${prefix}${k}.`)
      : [`${prefix}${k}`],
  )
}

/** Reads a TOML file of the project; undefined when it does not exist. `CONFIG_INVALID` names the line. */
export async function readTomlFile(cwd: string, file: string): Promise<Table | undefined> {
  let text: string
  try {
    text = await readFile(join(cwd, file), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    return parse(text) as Table
  } catch (error) {
    const line = (error as { line?: number }).line
    throw new SluiceError('CONFIG_INVALID', `${file} is not valid TOML${line ? ` (line ${line})` : ''}`, {
      hint: 'fix the file by hand (the tools never show its values)',
    })
  }
}

/** One configuration file of the project: whether it exists and which keys it sets (no values). */
export interface ConfigFileInfo {
  path: string
  present: boolean
  keys: string[]
}

/** The project's configuration files and the configuration variables set in the environment (names only). */
export async function listSecrets(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ files: ConfigFileInfo[]; environment: string[] }> {
  const files: ConfigFileInfo[] = []
  for (const path of [CONFIG_FILES.secrets, CONFIG_FILES.config]) {
    const table = await readTomlFile(cwd, path)
    files.push({ path, present: table !== undefined, keys: table ? keyPaths(table) : [] })
  }
  const environment = Object.keys(env)
    .filter((k) => /^(SOURCES|DESTINATION|[A-Z0-9_]+__(SOURCES|DESTINATION))__/.test(k) && env[k])
    .sort()
  return { files, environment }
}

function merge(target: Table, fragment: Table): Table {
  const out: Table = { ...target }
  for (const [k, v] of Object.entries(fragment)) {
    const old = out[k]
    const bothTables =
      v && typeof v === 'object' && !Array.isArray(v) && old && typeof old === 'object' && !Array.isArray(old)
    out[k] = bothTables ? merge(old as Table, v as Table) : v
  }
  return out
}

/** Writes a file through a temporary file and a rename, so that readers see the old or the new file. */
export async function writeAtomic(file: string, text: string, mode = 0o644): Promise<void> {
  const temp = `${file}.${crypto.randomUUID()}.tmp`
  await writeFile(temp, text, { mode })
  await chmod(temp, mode)
  await rename(temp, file)
}

/**
 * Deep-merges a TOML fragment into `.sluice/secrets.toml` (created with mode 600, written atomically; a literal
 * `\n` in a one-line fragment is a newline) and returns the merged table redacted. Comments of the file are not
 * kept. `CONFIG_INVALID` for a fragment that is not TOML, without echoing it.
 */
export async function updateSecretsFragment(cwd: string, fragment: string): Promise<Table> {
  const text =
    !fragment.includes('\n') && fragment.includes('\\n') ? fragment.replace(/\\n/g, '\n') : fragment
  let parsed: Table
  try {
    parsed = parse(text) as Table
  } catch (error) {
    const line = (error as { line?: number }).line
    throw new SluiceError(
      'CONFIG_INVALID',
      `the fragment is not valid TOML${line ? ` (line ${line})` : ''}`,
      {
        hint: 'send tables and keys such as [sources.my_api] followed by api_key = "your-api-key" on its own line',
      },
    )
  }
  const dir = join(cwd, '.sluice')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, '.gitignore'), 'secrets.toml\n*.secrets.toml\n', { flag: 'wx' }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error
    },
  )
  const merged = merge((await readTomlFile(cwd, CONFIG_FILES.secrets)) ?? {}, parsed)
  await writeAtomic(join(cwd, CONFIG_FILES.secrets), `${HEADER}\n${stringify(merged)}\n`, 0o600)
  return redactTable(merged)
}
