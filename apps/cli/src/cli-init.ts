import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isSluiceError } from '@sluice/core'
import type { ConfigKey, DestinationPackage } from '@sluice/core/destination'
import { DESTINATION_PACKAGES } from '@sluice/core/node'
import { parseFlags } from './cli-args.ts'
import { destinationPackage } from './cli-destinations.ts'
import { UsageError } from './cli-errors.ts'
import { initRestProject, SLUICE_GITIGNORE } from './cli-init-rest.ts'
import type { CliIO } from './cli-types.ts'

const CONFIG_HEADER = `# sluice configuration (not secret). Environment variables win over this file:
# [sources.clockodo] base_url  <->  SOURCES__CLOCKODO__BASE_URL

[sources.clockodo]
# base_url = "https://my.clockodo.com/api"
# "name;contact e-mail", at most 50 characters, sent as X-Clockodo-External-Application
# external_application = "sluice;data@example.com"
# lookback_days = 30
`

const SECRETS_HEADER = `# sluice secrets. Keep this file private (chmod 600) and out of version control.
# Environment variables win over this file:
# [sources.clockodo] api_key  <->  SOURCES__CLOCKODO__API_KEY

[sources.clockodo]
# api_user = "you@example.com"   # the e-mail of your Clockodo user
# api_key = ""                    # Clockodo → Personal data → API key (an owner/admin key sees everything)
`

function tomlValue(value: string | number | boolean | undefined): string {
  if (value === undefined) return '""'
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

function keyLine(name: string, key: ConfigKey): string {
  const value = tomlValue(key.example ?? key.default)
  const notes = [key.description]
  if (key.example !== undefined && key.default !== undefined) notes.push(`default ${key.default}`)
  if (key.required) notes.push('required')
  return `# ${name} = ${value}   # ${notes.join('; ')}`
}

/**
 * The commented TOML of one destination's keys that belong in one file (secret keys in secrets.toml, the others
 * in config.toml): `[destination.<name>]` and a table per dotted prefix. A table that is an alternative to a key
 * of the same name (`credentials` as a URL or as a table) gets a commented header: TOML allows one or the other.
 */
export function destinationSection(pkg: DestinationPackage, secret: boolean): string {
  const keys = pkg.keys.filter((k) => (k.secret ?? false) === secret)
  if (keys.length === 0) return ''
  const tables = new Map<string, ConfigKey[]>([['', []]])
  for (const k of keys) {
    const dot = k.key.lastIndexOf('.')
    const table = dot < 0 ? '' : k.key.slice(0, dot)
    tables.set(table, [...(tables.get(table) ?? []), k])
  }
  const out: string[] = []
  for (const [table, list] of tables) {
    if (list.length === 0) continue
    const header = table ? `[destination.${pkg.name}.${table}]` : `[destination.${pkg.name}]`
    const alternative = table !== '' && pkg.keys.some((k) => k.key === table)
    const note = `   # or ${table} = "..." under [destination.${pkg.name}]`
    out.push('', alternative ? `# ${header}${note}` : header)
    for (const k of list) out.push(keyLine(table ? k.key.slice(table.length + 1) : k.key, k))
  }
  return `${out.join('\n')}\n`
}

/**
 * `.sluice/config.toml` and `.sluice/secrets.toml` templates: the Clockodo source, then every destination whose
 * package is installed, with the keys it documents (a line saying what to install for the others).
 */
export async function initTemplates(): Promise<{ config: string; secrets: string }> {
  let config = CONFIG_HEADER
  let secrets = SECRETS_HEADER
  for (const [name, pkgName] of Object.entries(DESTINATION_PACKAGES)) {
    let pkg: DestinationPackage
    try {
      pkg = await destinationPackage(name)
    } catch (error) {
      if (!isSluiceError(error, 'DEPENDENCY_MISSING')) throw error
      config += `\n# [destination.${name}]: install ${pkgName} to load into ${name}\n`
      continue
    }
    config += destinationSection(pkg, false)
    secrets += destinationSection(pkg, true)
  }
  return { config, secrets }
}

async function writeNew(file: string, text: string, io: CliIO): Promise<boolean> {
  try {
    await writeFile(file, text, { flag: 'wx', mode: 0o600 })
    io.stdout.write(`wrote ${file}\n`)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    io.stdout.write(`kept ${file} (it exists)\n`)
    return false
  }
}

export const INIT_HELP = `Usage: sluice init [--source rest_api NAME]

Writes commented templates of .sluice/config.toml and .sluice/secrets.toml (readable by you only) for the
Clockodo source and every installed destination, and .sluice/.gitignore, which keeps secrets.toml out of git.
Existing files are kept. With --source rest_api NAME: a new TypeScript project NAME/ with a restApiSource pipeline.
Options:
  --source rest_api NAME   scaffold a REST API pipeline project in NAME/
  --help, -h               print this help
`

/**
 * `sluice init`: writes commented templates of .sluice/config.toml and .sluice/secrets.toml, and a
 * .sluice/.gitignore for the secrets; `sluice init --source rest_api NAME` scaffolds a TypeScript project.
 */
export async function initCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { source: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    'init',
    true,
  )
  if (values.help) {
    io.stdout.write(INIT_HELP)
    return 0
  }
  if (values.source === 'rest_api') return initRestProject(positionals[0], io)
  if (values.source !== undefined || positionals.length > 0) {
    throw new UsageError(
      'use `sluice init` (templates here) or `sluice init --source rest_api NAME` (a new project)',
    )
  }
  const dir = join(io.cwd, '.sluice')
  await mkdir(dir, { recursive: true })
  const templates = await initTemplates()
  await writeNew(join(dir, 'config.toml'), templates.config, io)
  if (await writeNew(join(dir, 'secrets.toml'), templates.secrets, io))
    await chmod(join(dir, 'secrets.toml'), 0o600)
  await writeNew(join(dir, '.gitignore'), SLUICE_GITIGNORE, io)
  io.stdout.write('next: fill in .sluice/secrets.toml, then run `sluice run`\n')
  return 0
}
