import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import process from 'node:process'
import { pathToFileURL } from 'node:url'
import type { Config } from '../config/config-resolve.ts'
import type { DestinationPackage } from '../destination/destination-config.ts'
import { destinationFromConfig } from '../destination/destination-resolve.ts'
import type { Destination } from '../destination/destination-types.ts'
import { isSluiceError, SluiceError } from '../errors.ts'

/**
 * Destinations known by name: each is an npm package, imported when used, whose `destination` export (a
 * `DestinationPackage`) reads its `[destination.<name>]` section.
 */
export const DESTINATION_PACKAGES: Readonly<Record<string, string>> = {
  duckdb: '@sluice/destination-duckdb',
  postgres: '@sluice/destination-postgres',
  filesystem: '@sluice/destination-filesystem',
  bigquery: '@sluice/destination-bigquery',
  snowflake: '@sluice/destination-snowflake',
  redshift: '@sluice/destination-redshift',
  databricks: '@sluice/destination-databricks',
}

/**
 * Imports a module by specifier; the caller's own `import` resolves from the caller's package. An importer that
 * finds no such package may throw `DEPENDENCY_MISSING` with a hint saying how to install it where it looks.
 */
export type ModuleImporter = (specifier: string) => Promise<unknown>

/** Options of {@link loadDestinationPackage} and {@link resolveDestination}. */
export interface LoadDestinationOptions {
  /**
   * Imports a destination package. Default: `import()` from `@sluice/core`, then the package as installed for the
   * working directory or for the running script (`process.argv[1]`), so that an application finds the packages it
   * depends on. An application with its own resolution (a bundler, Deno with an import map) passes
   * `(s) => import(s)`.
   */
  importer?: ModuleImporter
}

function isDestinationPackage(value: unknown): value is DestinationPackage {
  const pkg = value as DestinationPackage | undefined
  return typeof pkg?.name === 'string' && Array.isArray(pkg.keys) && typeof pkg.fromConfig === 'function'
}

function notFound(error: unknown, specifier: string): boolean {
  const code = (error as NodeJS.ErrnoException).code
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    String((error as Error).message).includes(specifier)
  )
}

/** The ESM entry of an installed package that exports its `./package.json`, resolved from `base`. */
async function entryFrom(base: string, specifier: string): Promise<string | undefined> {
  let manifest: string
  try {
    manifest = createRequire(join(base, 'noop.js')).resolve(`${specifier}/package.json`)
  } catch {
    return undefined
  }
  const pkg = JSON.parse(await readFile(manifest, 'utf8')) as {
    exports?: Record<string, unknown>
    main?: string
  }
  const dot = pkg.exports?.['.']
  const target =
    typeof dot === 'string'
      ? dot
      : ((dot as Record<string, unknown> | undefined)?.['import'] ??
        (dot as Record<string, unknown> | undefined)?.['default'] ??
        pkg.main)
  return typeof target === 'string' ? pathToFileURL(join(dirname(manifest), target)).href : undefined
}

async function defaultImporter(specifier: string): Promise<unknown> {
  try {
    return await import(specifier)
  } catch (error) {
    if (!notFound(error, specifier)) throw error
    const script = process.argv[1]
    for (const base of [process.cwd(), ...(script ? [dirname(resolve(script))] : [])]) {
      const entry = await entryFrom(base, specifier)
      if (entry) return import(entry)
    }
    throw error
  }
}

/** Imports the package of a destination name; `DEPENDENCY_MISSING` says which package to install. */
export async function loadDestinationPackage(
  name: string,
  options: LoadDestinationOptions = {},
): Promise<DestinationPackage> {
  const specifier = DESTINATION_PACKAGES[name]
  if (!specifier) {
    throw new SluiceError('CONFIG_INVALID', `unknown destination "${name}"`, {
      hint: `use one of ${Object.keys(DESTINATION_PACKAGES).join(', ')}, or a path to a module (./my-destination.js)`,
    })
  }
  let mod: Record<string, unknown>
  try {
    mod = (await (options.importer ?? defaultImporter)(specifier)) as Record<string, unknown>
  } catch (error) {
    // an importer may say how to install the package where it looks (e.g. `npm install -g` for a global CLI)
    if (isSluiceError(error, 'DEPENDENCY_MISSING')) {
      throw new SluiceError('DEPENDENCY_MISSING', `destination "${name}" needs the package ${specifier}`, {
        hint: error.hint,
      })
    }
    if (!notFound(error, specifier)) throw error
    throw new SluiceError('DEPENDENCY_MISSING', `destination "${name}" needs the package ${specifier}`, {
      cause: error,
      hint: `install it with \`npm install ${specifier}\``,
    })
  }
  if (!isDestinationPackage(mod['destination'])) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `${specifier} does not export its config entry point \`destination\``,
      {
        hint: `update ${specifier}`,
      },
    )
  }
  return mod['destination']
}

/** What {@link resolveDestination} needs besides the name and the configuration. */
export interface ResolveDestinationOptions extends LoadDestinationOptions {
  /** The pipeline's name (e.g. for DuckDB's default file name). */
  pipelineName: string
  /** Where a relative module path is resolved. Default `process.cwd()`. */
  cwd?: string
}

/**
 * Builds a destination by name or module path, as `sluice --destination` does: a known name (its package
 * imported when used) or a path to a module that exports a `destination` config entry point (as destination
 * packages do), or whose default export is a Destination or a function `(config) => Destination`. The package's
 * section comes from `config` (see `destinationFromConfig`).
 */
export async function resolveDestination(
  nameOrPath: string,
  config: Config,
  options: ResolveDestinationOptions,
): Promise<Destination> {
  const from = {
    pipelineName: options.pipelineName,
    loadPackage: (name: string) => loadDestinationPackage(name, options),
  }
  if (!nameOrPath.startsWith('.') && !isAbsolute(nameOrPath)) {
    return destinationFromConfig(await loadDestinationPackage(nameOrPath, options), config, from)
  }
  const url = pathToFileURL(resolve(options.cwd ?? process.cwd(), nameOrPath)).href
  const mod = (await import(url)) as { default?: unknown; destination?: unknown }
  if (isDestinationPackage(mod.destination)) return destinationFromConfig(mod.destination, config, from)
  const exported =
    typeof mod.default === 'function' ? (mod.default as (c: Config) => unknown)(config) : mod.default
  if (!exported || typeof (exported as Destination).createClient !== 'function') {
    throw new SluiceError('CONFIG_INVALID', `${nameOrPath} exports no destination`, {
      hint: 'it must default-export a Destination (an object with createClient) or a function returning one, or export a `destination` config entry point',
    })
  }
  return exported as Destination
}
