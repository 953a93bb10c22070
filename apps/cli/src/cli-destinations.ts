import { type Config, type Destination, type DestinationRecord, SluiceError } from '@sluice/core'
import type { DestinationPackage } from '@sluice/core/destination'
import {
  loadDestinationPackage,
  type ModuleImporter,
  recordedDestination,
  resolveDestination,
} from '@sluice/core/node'
import { importInstalled, installCommand, packageLocations } from './cli-packages.ts'

/**
 * Imports destination packages next to the CLI (a project's node_modules, or npm's global folder for a global CLI),
 * else from npm's global folder; a missing one is `DEPENDENCY_MISSING` with the install command for where the CLI
 * runs from (`npm install -g` next to a global CLI).
 */
export const importer: ModuleImporter = async (specifier) => {
  const where = packageLocations()
  const mod = await importInstalled(specifier, where)
  if (mod) return mod
  throw new SluiceError('DEPENDENCY_MISSING', `the package ${specifier} is not installed`, {
    hint: `install it with \`${installCommand(specifier, where)}\``,
  })
}

/** The destination package of a name, imported by the CLI (`sluice init` lists their keys). */
export function destinationPackage(name: string): Promise<DestinationPackage> {
  return loadDestinationPackage(name, { importer })
}

/** The default destination and dataset of the `sluice` commands (those of `sluice run --demo`). */
export const DEFAULT_TARGET = { destination: 'duckdb', dataset: 'clockodo_data' } as const

/** What a command was asked to use: flags (undefined when not given) and the pipeline's record. */
export interface TargetRequest {
  pipelineName: string
  /** `--destination` (a name or a module path). */
  destination: string | undefined
  /** `--dataset`. */
  dataset: string | undefined
  /** Where the pipeline loaded at its last run. */
  record: DestinationRecord | undefined
  config: Config
  cwd: string
}

/**
 * The destination and dataset a command uses: flags win; then what the pipeline recorded (its settings below
 * the environment and `.sluice/*.toml`, secrets resolved from those); then `duckdb` and `clockodo_data`.
 */
export async function targetOf(
  request: TargetRequest,
): Promise<{ destination: Destination; datasetName: string }> {
  const { record, config, pipelineName, cwd } = request
  const name = request.destination ?? record?.name ?? DEFAULT_TARGET.destination
  const recorded = record !== undefined && record.name === name
  const destination = recorded
    ? await recordedDestination(record, { config, pipelineName, cwd, importer })
    : await resolveDestination(name, config, { pipelineName, cwd, importer })
  const datasetName = request.dataset ?? (recorded ? record.datasetName : DEFAULT_TARGET.dataset)
  return { destination, datasetName }
}
