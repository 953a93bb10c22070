import type { Stage } from './destination-stage.ts'
import type { Destination } from './destination-types.ts'

/** One setting of a destination's config section (`[destination.<name>]`, `DESTINATION__<NAME>__<KEY>`). */
export interface ConfigKey {
  /** Dotted path inside the section in dlt's names, e.g. `credentials`, `credentials.private_key`, `bucket_url`. */
  key: string
  /** What it is, for `sluice init` templates and "missing setting" messages, e.g. `the database file`. */
  description: string
  /** A secret: `sluice init` lists it in `.sluice/secrets.toml`, and it is never logged. Default false. */
  secret?: boolean
  /** The destination cannot work without it: the CLI names the setting before calling `fromConfig`. Default false. */
  required?: boolean
  /** The value used when it is not set (for templates and docs). */
  default?: string | number | boolean
  /** A sample value for templates, e.g. `postgresql://loader:password@localhost:5432/analytics`. */
  example?: string | number | boolean
}

/**
 * A destination's config section as resolved from environment variables and `.sluice/*.toml`: keys in dlt's
 * names, nested tables as objects, values as given (environment variables are strings, TOML values typed).
 */
export type ConfigSection = Record<string, unknown>

/** What {@link DestinationPackage.fromConfig} gets besides its section. */
export interface DestinationConfigContext {
  /** The pipeline's name (e.g. for a default file name). */
  readonly pipelineName: string
  /**
   * Builds the stage a section's `staging` key names (dlt: `staging = "filesystem"`) from that destination's own
   * section (`[destination.filesystem]`). Rejects with a message naming the setting when it is not configured.
   */
  stage(name: string): Promise<Stage>
}

/**
 * The one config entry point of a destination package, exported as `destination`. The CLI maps
 * `--destination <name>` to the package, reads its section and calls `fromConfig`; `sluice init` writes its keys
 * into the templates.
 *
 * @example export const destination: DestinationPackage = { name: 'postgres', keys: [...], fromConfig: (s) => postgres({ credentials: s.credentials }) }
 */
export interface DestinationPackage {
  /** The name in `--destination <name>` and `[destination.<name>]`. */
  readonly name: string
  /** The settings it reads, each documented; aliases it also accepts need not be listed. */
  readonly keys: readonly ConfigKey[]
  /**
   * Builds the destination from its resolved section. MUST validate the section and throw a `SluiceError`
   * (`CONFIG_INVALID` or `CONFIG_MISSING`) naming the setting to fix, without secret values.
   */
  fromConfig(section: ConfigSection, ctx: DestinationConfigContext): Destination | Promise<Destination>
  /**
   * Optional: builds a {@link Stage} from this package's section, for warehouses whose section says
   * `staging = "<name>"`. The filesystem destination has it.
   */
  stageFromConfig?(section: ConfigSection): Stage
}
