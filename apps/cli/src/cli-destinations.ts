import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Destination } from '@sluice/core'
import type { ConfigProvider } from './cli-config.ts'
import { UsageError } from './cli-errors.ts'

/** How the CLI builds one destination from configuration. */
interface DestinationEntry {
  /** npm package that implements it. */
  pkg: string
  /** Creates the destination from the package's module and the resolved config. */
  create(mod: Record<string, unknown>, config: ConfigProvider, pipelineName: string): Destination
}

function factory(mod: Record<string, unknown>, name: string): (options: unknown) => Destination {
  const fn = mod[name]
  if (typeof fn !== 'function') throw new UsageError(`the destination package does not export ${name}()`)
  return fn as (options: unknown) => Destination
}

function required(config: ConfigProvider, path: string, what: string): unknown {
  const value = config.get(path)
  if (value === undefined || value === '') {
    throw new UsageError(`missing ${what}: set ${config.whereToSet(path)}`)
  }
  return value
}

function size(config: ConfigProvider, key: string): string | undefined {
  const value = config.get(key)
  if (value !== undefined && typeof value !== 'string')
    throw new UsageError(`${key} must be a size such as '512MB' or '2GB'`)
  return value
}

function positiveInt(value: unknown, key: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!(Number.isInteger(n) && n > 0)) throw new UsageError(`${key} must be a positive integer`)
  return n
}

/** Destinations the `--destination` flag knows by name. */
export const DESTINATIONS: Record<string, DestinationEntry> = {
  duckdb: {
    pkg: '@sluice/destination-duckdb',
    create: (mod, config, pipelineName) => {
      const path = config.get('destination.duckdb.credentials') ?? `${pipelineName}.duckdb`
      if (typeof path !== 'string') throw new UsageError('destination.duckdb.credentials must be a file path')
      const memoryLimit = size(config, 'destination.duckdb.memory_limit')
      const loadMemoryLimit = size(config, 'destination.duckdb.load_memory_limit')
      const threads = positiveInt(config.get('destination.duckdb.threads'), 'destination.duckdb.threads')
      const loadThreads = positiveInt(
        config.get('destination.duckdb.load_threads'),
        'destination.duckdb.load_threads',
      )
      return factory(mod, 'duckdb')({ path, memoryLimit, loadMemoryLimit, threads, loadThreads })
    },
  },
  postgres: {
    pkg: '@sluice/destination-postgres',
    create: (mod, config) =>
      factory(
        mod,
        'postgres',
      )({
        credentials: required(
          config,
          'destination.postgres.credentials',
          'PostgreSQL credentials (postgresql://user:password@host:5432/database)',
        ),
      }),
  },
  filesystem: {
    pkg: '@sluice/destination-filesystem',
    create: (mod, config) => {
      required(
        config,
        'destination.filesystem.bucket_url',
        'the filesystem bucket URL (a folder path, file:///path or s3://bucket/prefix)',
      )
      const parse = mod.parseFilesystemConfig as ((input: Record<string, unknown>) => unknown) | undefined
      const input = filesystemSection(config)
      return factory(mod, 'filesystem')(parse ? parse(input) : input)
    },
  },
  bigquery: {
    pkg: '@sluice/destination-bigquery',
    create: (mod, config) => factory(mod, 'bigquery')(warehouseSection(mod, config, 'bigquery')),
  },
  snowflake: {
    pkg: '@sluice/destination-snowflake',
    create: (mod, config) => factory(mod, 'snowflake')(warehouseSection(mod, config, 'snowflake')),
  },
}

const FILESYSTEM_CREDENTIALS = ['aws_access_key_id', 'aws_secret_access_key', 'endpoint_url', 'region']

/** `[destination.filesystem]` as dlt spells it, each key also settable by its environment variable. */
function filesystemSection(config: ConfigProvider): Record<string, unknown> {
  const credentials = config.get('destination.filesystem.credentials')
  return {
    bucket_url: config.get('destination.filesystem.bucket_url'),
    format: config.get('destination.filesystem.format'),
    layout: config.get('destination.filesystem.layout'),
    credentials: {
      ...(typeof credentials === 'object' && credentials ? credentials : {}),
      ...Object.fromEntries(
        FILESYSTEM_CREDENTIALS.map((k) => [k, config.get(`destination.filesystem.credentials.${k}`)]).filter(
          ([, v]) => v !== undefined,
        ),
      ),
    },
  }
}

/**
 * A warehouse's section, looked up key by key (the package's `*_CONFIG_KEYS`), so that environment variables such
 * as `DESTINATION__BIGQUERY__CREDENTIALS__PRIVATE_KEY` reach it; `staging = "filesystem"` (as in dlt) adds the
 * `[destination.filesystem]` bucket as the staging area.
 */
function warehouseSection(
  mod: Record<string, unknown>,
  config: ConfigProvider,
  name: string,
): Record<string, unknown> {
  const prefix = `destination.${name}`
  const keys = (mod[`${name.toUpperCase()}_CONFIG_KEYS`] as readonly string[] | undefined) ?? []
  const out: Record<string, unknown> = {}
  const whole = config.get(prefix)
  if (whole && typeof whole === 'object') Object.assign(out, structuredClone(whole))
  for (const key of keys) {
    const value = config.get(`${prefix}.${key}`)
    if (value === undefined) continue
    const parts = key.split('.')
    let node = out
    for (const part of parts.slice(0, -1)) {
      if (typeof node[part] !== 'object' || node[part] === null) node[part] = {}
      node = node[part] as Record<string, unknown>
    }
    const last = parts.at(-1)!
    if (!(typeof value === 'object' && typeof node[last] === 'object')) node[last] = value
  }
  const staging = config.get(`${prefix}.staging`)
  if (staging === 'filesystem') {
    required(
      config,
      'destination.filesystem.bucket_url',
      `the staging bucket of ${name} (staging = "filesystem")`,
    )
    out.staging = filesystemSection(config)
  }
  return out
}

async function importPackage(pkg: string, name: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pkg)) as Record<string, unknown>
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(pkg)) {
      throw new UsageError(
        `destination "${name}" needs the package ${pkg}: install it with \`npm install ${pkg}\``,
      )
    }
    throw error
  }
}

/**
 * Resolves `--destination`: a known name (its package imported lazily) or a path to a module whose
 * default export is a Destination or a function `(config) => Destination`.
 */
export async function resolveDestination(
  nameOrPath: string,
  config: ConfigProvider,
  pipelineName: string,
  cwd: string,
): Promise<Destination> {
  if (nameOrPath.startsWith('.') || isAbsolute(nameOrPath)) {
    const url = pathToFileURL(resolve(cwd, nameOrPath)).href
    const mod = (await import(url)) as { default?: unknown }
    const exported =
      typeof mod.default === 'function'
        ? (mod.default as (c: ConfigProvider) => unknown)(config)
        : mod.default
    if (!exported || typeof (exported as Destination).createClient !== 'function') {
      throw new UsageError(
        `${nameOrPath} must default-export a Destination (an object with createClient) or a function returning one`,
      )
    }
    return exported as Destination
  }
  const entry = DESTINATIONS[nameOrPath]
  if (!entry) {
    throw new UsageError(
      `unknown destination "${nameOrPath}": use one of ${Object.keys(DESTINATIONS).join(', ')}, or a path to a module (./my-destination.js)`,
    )
  }
  return entry.create(await importPackage(entry.pkg, nameOrPath), config, pipelineName)
}
