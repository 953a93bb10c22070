import {
  type Config,
  type ConfigProvider,
  type ConfigTable,
  tableProvider,
} from '../config/config-resolve.ts'
import { SluiceError } from '../errors.ts'
import type { DestinationRecord } from '../storage/package-types.ts'
import type { DestinationPackage } from './destination-config.ts'
import type { Stage } from './destination-stage.ts'
import type { Destination } from './destination-types.ts'

/** What {@link destinationFromConfig} needs besides the package and the configuration. */
export interface DestinationFromConfigOptions {
  /** The pipeline's name (e.g. for a default file name). */
  pipelineName: string
  /**
   * The config entry point of another destination by name, for a warehouse whose section says
   * `staging = "<name>"`. Rejects when the package is not installed.
   */
  loadPackage(name: string): Promise<DestinationPackage>
}

function valueAt(section: ConfigTable, key: string): unknown {
  let at: unknown = section
  for (const part of key.split('.')) {
    if (at === null || typeof at !== 'object') return undefined
    at = (at as ConfigTable)[part]
  }
  return at
}

/** Throws `CONFIG_MISSING` naming the first required key the section lacks, and where to set it. */
function checkRequired(pkg: DestinationPackage, section: ConfigTable, config: Config, of?: string): void {
  for (const key of pkg.keys) {
    if (!key.required) continue
    const value = valueAt(section, key.key)
    if (value !== undefined && value !== '') continue
    const where = config.whereToSet(`destination.${pkg.name}.${key.key}`, key.secret ? 'secrets' : 'config')
    throw new SluiceError('CONFIG_MISSING', `missing ${key.description}${of ? ` of ${of}` : ''}`, {
      hint: `set ${where}`,
    })
  }
}

/** The section `[destination.<name>]` of a package, with dlt's fallback for the keys it documents. */
function sectionOf(pkg: DestinationPackage, config: Config): ConfigTable {
  return config.section(
    `destination.${pkg.name}`,
    pkg.keys.map((k) => k.key),
  )
}

/**
 * Builds a destination from its package's config entry point and the resolved `[destination.<name>]` section:
 * checks the keys the package marks required (`CONFIG_MISSING` names the setting), hands over the stage a
 * `staging = "<name>"` key names (built by that package from its own section), then calls `fromConfig`.
 */
export async function destinationFromConfig(
  pkg: DestinationPackage,
  config: Config,
  options: DestinationFromConfigOptions,
): Promise<Destination> {
  const section = sectionOf(pkg, config)
  checkRequired(pkg, section, config)
  return pkg.fromConfig(section, {
    pipelineName: options.pipelineName,
    stage: async (name): Promise<Stage> => {
      const stagePkg = await options.loadPackage(name)
      if (!stagePkg.stageFromConfig) {
        throw new SluiceError(
          'CONFIG_INVALID',
          `destination "${name}" cannot be the staging bucket of ${pkg.name}`,
          { hint: `set staging = "filesystem" in [destination.${pkg.name}]` },
        )
      }
      const stageSection = sectionOf(stagePkg, config)
      checkRequired(stagePkg, stageSection, config, `the staging bucket of ${pkg.name} (staging = "${name}")`)
      return stagePkg.stageFromConfig(stageSection)
    },
  })
}

/**
 * The settings a pipeline recorded for its destination as a config provider of `[destination.<name>]`: put it
 * below the environment and the files (`config.withFallback(recordProvider(record))`), so that settings given now
 * win and the recorded ones (the DuckDB file, the PostgreSQL host ...) fill what is not set.
 */
export function recordProvider(record: DestinationRecord): ConfigProvider {
  if (!record.config) {
    throw new SluiceError(
      'CONFIG_MISSING',
      `the destination at ${record.location} cannot be rebuilt from settings`,
      {
        hint: 'it was given in code (an open instance): pass the destination',
      },
    )
  }
  return tableProvider(`the record of the pipeline's destination (${record.location})`, {
    destination: { [record.name]: record.config },
  })
}
