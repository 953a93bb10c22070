// Types of the dashboard's library entry (a leaf: it imports no other file of the package).
import type { Config } from '@sluice/core'
import type { ModuleImporter } from '@sluice/core/node'

/** Options of `serveDashboard`. */
export interface DashboardOptions {
  /** The pipelines directory whose pipelines the dashboard shows. Default `~/.sluice/pipelines`. */
  pipelinesDir?: string
  /**
   * The interface to listen on. Default `127.0.0.1` (this machine only). Another host (e.g. `0.0.0.0`) is also
   * accepted in the Host header, next to `127.0.0.1:PORT` and `localhost:PORT`.
   */
  host?: string
  /** The port. Default 0: a free port the system picks (the URL names it). */
  port?: number
  /** The token every request must carry (in the URL once, then a cookie). Default 32 random bytes, hex. */
  token?: string
  /** A pipeline whose page the URL opens. Default none: the home page (every pipeline). */
  pipeline?: string
  /**
   * Settings and secrets for the destinations' readers, and the secret values no response may show. Default
   * `loadConfig()` of the working directory (environment variables, `.sluice/*.toml`), per pipeline.
   */
  config?: Config
  /** How destination packages are imported (see `LoadDestinationOptions.importer`). Default core's. */
  importer?: ModuleImporter
  /** Rows a query returns unless it asks for fewer. Default 1000 (at most 10000 on request). */
  queryLimit?: number
}

/** A running dashboard. `await using` stops it. */
export interface Dashboard extends AsyncDisposable {
  /** The URL to open, with the token (`http://127.0.0.1:PORT/?token=...`). */
  readonly url: string
  /** The port it listens on. */
  readonly port: number
  /** The interface it listens on. */
  readonly host: string
  /** The token every request must carry. */
  readonly token: string
  /** Stops listening and ends open connections. Idempotent. */
  close(): Promise<void>
}
