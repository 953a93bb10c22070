import { existsSync, realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Where the CLI looks for the packages it imports on demand (destinations), and how it says to install one. */
export interface PackageLocations {
  /** The folder that holds the CLI's own package (`.../node_modules` when installed, else its parent folder). */
  cliModules: string
  /** npm's global `node_modules` folder (`<prefix>/lib/node_modules`; `<prefix>\node_modules` on Windows). */
  globalModules: string
  /** True when the CLI itself runs from npm's global folder (`npm install -g sluice`): hints say `npm install -g`. */
  global: boolean
}

/** What {@link packageLocations} reads of the process; every field defaults to the running process's. */
export interface LocationInputs {
  /** Environment: `npm_config_prefix` (set by npm and npx), then `PREFIX`, name npm's global prefix. */
  env?: Record<string, string | undefined>
  /** A file of the CLI package, one folder below its package.json. Default: this module. */
  cliFile?: string
  /** The node binary; without a prefix in `env`, npm's default global prefix is the folder above its `bin`. */
  execPath?: string
  /** Default: `process.platform`. */
  platform?: NodeJS.Platform
}

function globalModulesOf(prefix: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? join(prefix, 'node_modules') : join(prefix, 'lib', 'node_modules')
}

/**
 * Finds the CLI's install location and npm's global folder. The CLI counts as installed globally when its package
 * sits in npm's global layout: `<prefix>/lib/node_modules/sluice` with no package.json in `<prefix>/lib` (a
 * project always has one next to its node_modules), or in the global folder named by the environment.
 */
export function packageLocations(inputs: LocationInputs = {}): PackageLocations {
  const env = inputs.env ?? process.env
  const platform = inputs.platform ?? process.platform
  const cliFile = inputs.cliFile ?? fileURLToPath(import.meta.url)
  const cliDir = dirname(dirname(cliFile))
  const real = existsSync(cliDir) ? realpathSync(cliDir) : cliDir
  const cliModules = dirname(real)
  const prefix =
    env['npm_config_prefix'] ||
    env['PREFIX'] ||
    (platform === 'win32'
      ? dirname(inputs.execPath ?? process.execPath)
      : dirname(dirname(inputs.execPath ?? process.execPath)))
  const fromPrefix = globalModulesOf(prefix, platform)
  const npmLayout =
    basename(cliModules) === 'node_modules' &&
    basename(dirname(cliModules)) === 'lib' &&
    !existsSync(join(dirname(cliModules), 'package.json'))
  const global = cliModules === fromPrefix || npmLayout
  return { cliModules, globalModules: global ? cliModules : fromPrefix, global }
}

/** True when `error` says that `pkg` itself (not one of its own imports) is not installed. */
function isMissing(error: unknown, pkg: string): boolean {
  const code = (error as { code?: string } | undefined)?.code
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    String((error as Error).message).includes(`'${pkg}'`)
  )
}

/**
 * Imports `pkg` as installed next to the CLI (a project's node_modules, or npm's global folder for a global CLI:
 * Node's own lookup), else from npm's global folder. Resolves to undefined when neither has it; other import
 * errors (a broken package) are thrown.
 */
export async function importInstalled(
  pkg: string,
  where: PackageLocations = packageLocations(),
): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(pkg)) as Record<string, unknown>
  } catch (error) {
    if (!isMissing(error, pkg)) throw error
  }
  let file: string
  try {
    file = createRequire(import.meta.url).resolve(pkg, { paths: [dirname(where.globalModules)] })
  } catch (error) {
    if (isMissing(error, pkg)) return undefined
    throw error
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>
}

/** The command that installs `pkg` where the CLI finds it: `npm install -g` next to a global CLI. */
export function installCommand(pkg: string, where: PackageLocations = packageLocations()): string {
  return where.global ? `npm install -g ${pkg}` : `npm install ${pkg}`
}
