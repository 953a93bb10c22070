import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ConfigSection, Destination, DestinationPackage, Stage } from '@sluice/core/destination'
import type { ConfigProvider } from './cli-config.ts'
import { UsageError } from './cli-errors.ts'
import { importInstalled, installCommand, packageLocations } from './cli-packages.ts'

/**
 * Destinations the `--destination` flag knows by name: each is an npm package, imported when used, whose
 * `destination` export (a `DestinationPackage`) reads its `[destination.<name>]` section.
 */
export const DESTINATIONS: Readonly<Record<string, string>> = {
  duckdb: '@sluice/destination-duckdb',
  postgres: '@sluice/destination-postgres',
  filesystem: '@sluice/destination-filesystem',
  bigquery: '@sluice/destination-bigquery',
  snowflake: '@sluice/destination-snowflake',
  redshift: '@sluice/destination-redshift',
  databricks: '@sluice/destination-databricks',
}

function isDestinationPackage(value: unknown): value is DestinationPackage {
  const pkg = value as DestinationPackage | undefined
  return typeof pkg?.name === 'string' && Array.isArray(pkg.keys) && typeof pkg.fromConfig === 'function'
}

async function importPackage(pkg: string, name: string): Promise<Record<string, unknown>> {
  const where = packageLocations()
  const mod = await importInstalled(pkg, where)
  if (mod) return mod
  throw new UsageError(
    `destination "${name}" needs the package ${pkg}: install it with \`${installCommand(pkg, where)}\``,
  )
}

/**
 * Imports the package of a destination name (next to the CLI, else from npm's global folder); says which package to
 * install, and how, when it is missing.
 */
export async function loadDestinationPackage(name: string): Promise<DestinationPackage> {
  const pkg = DESTINATIONS[name]
  if (!pkg) {
    throw new UsageError(
      `unknown destination "${name}": use one of ${Object.keys(DESTINATIONS).join(', ')}, or a path to a module (./my-destination.js)`,
    )
  }
  const mod = await importPackage(pkg, name)
  if (!isDestinationPackage(mod['destination'])) {
    throw new UsageError(`${pkg} does not export its config entry point \`destination\`: update it`)
  }
  return mod['destination']
}

function valueAt(section: ConfigSection, key: string): unknown {
  let at: unknown = section
  for (const part of key.split('.')) {
    if (at === null || typeof at !== 'object') return undefined
    at = (at as Record<string, unknown>)[part]
  }
  return at
}

/** Throws a UsageError naming the first required key the section lacks, and where to set it. */
function checkRequired(
  pkg: DestinationPackage,
  section: ConfigSection,
  config: ConfigProvider,
  of?: string,
): void {
  for (const key of pkg.keys) {
    if (!key.required) continue
    const value = valueAt(section, key.key)
    if (value !== undefined && value !== '') continue
    const where = config.whereToSet(`destination.${pkg.name}.${key.key}`, key.secret ? 'secrets' : 'config')
    throw new UsageError(`missing ${key.description}${of ? ` of ${of}` : ''}: set ${where}`)
  }
}

/** The stage a warehouse's `staging = "<name>"` names, built by that package from its own section. */
async function stageFor(name: string, of: string, config: ConfigProvider): Promise<Stage> {
  const pkg = await loadDestinationPackage(name)
  if (!pkg.stageFromConfig) {
    throw new UsageError(
      `destination "${name}" cannot be the staging bucket of ${of}: set staging = "filesystem" in [destination.${of}]`,
    )
  }
  const section = config.section(`destination.${name}`)
  checkRequired(pkg, section, config, `the staging bucket of ${of} (staging = "${name}")`)
  return pkg.stageFromConfig(section)
}

/** Builds a destination from its package and its resolved `[destination.<name>]` section. */
async function fromPackage(
  pkg: DestinationPackage,
  config: ConfigProvider,
  pipelineName: string,
): Promise<Destination> {
  const section = config.section(`destination.${pkg.name}`)
  checkRequired(pkg, section, config)
  return pkg.fromConfig(section, {
    pipelineName,
    stage: (name) => stageFor(name, pkg.name, config),
  })
}

/**
 * Resolves `--destination`: a known name (its package imported lazily), or a path to a module that exports a
 * `destination` config entry point (as destination packages do), or whose default export is a Destination or a
 * function `(config) => Destination`.
 */
export async function resolveDestination(
  nameOrPath: string,
  config: ConfigProvider,
  pipelineName: string,
  cwd: string,
): Promise<Destination> {
  if (nameOrPath.startsWith('.') || isAbsolute(nameOrPath)) {
    const url = pathToFileURL(resolve(cwd, nameOrPath)).href
    const mod = (await import(url)) as { default?: unknown; destination?: unknown }
    if (isDestinationPackage(mod.destination)) return fromPackage(mod.destination, config, pipelineName)
    const exported =
      typeof mod.default === 'function'
        ? (mod.default as (c: ConfigProvider) => unknown)(config)
        : mod.default
    if (!exported || typeof (exported as Destination).createClient !== 'function') {
      throw new UsageError(
        `${nameOrPath} must default-export a Destination (an object with createClient) or a function returning one, or export a \`destination\` config entry point`,
      )
    }
    return exported as Destination
  }
  return fromPackage(await loadDestinationPackage(nameOrPath), config, pipelineName)
}
