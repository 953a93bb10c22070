import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { UsageError } from './cli-errors.ts'
import type { CliIO } from './cli-types.ts'

/** What `sluice init` puts into `.sluice/.gitignore`: the secrets stay out of git. */
export const SLUICE_GITIGNORE = 'secrets.toml\n*.secrets.toml\n'

/** The CLI's own version: the scaffold depends on the @sluice packages of the same release. */
async function cliVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}

function pipelineTs(name: string): string {
  return `// ${name}: a sluice pipeline for a REST API, in TypeScript. Run it with \`npm start\`.
// Settings come from the environment (SOURCES__${name.toUpperCase()}__BASE_URL ...), then .sluice/secrets.toml and
// .sluice/config.toml: never write a secret into this file.
import { restApiSource } from '@sluice/core'
import { loadConfig, pipeline } from '@sluice/core/node'
import { duckdb } from '@sluice/destination-duckdb'

const config = await loadConfig({ pipelineName: '${name}' })
for (const warning of config.warnings) console.warn(warning)
const baseUrl = config.get('sources.${name}.base_url')
if (typeof baseUrl !== 'string') {
  throw new Error(\`set the API's base URL: \${config.whereToSet('sources.${name}.base_url', 'config')}\`)
}
const apiKey = config.get('sources.${name}.api_key')

const source = restApiSource({
  name: '${name}',
  client: {
    baseUrl,
    // How the API authenticates (the secret from .sluice/secrets.toml or the environment):
    //   { type: 'bearer', token }                          Authorization: Bearer <token>
    //   { type: 'api_key', name: 'X-API-Key', value }      a header (or location: 'query' for a parameter)
    //   { type: 'http_basic', username, password }
    //   { type: 'oauth2_client_credentials', ... }
    ...(typeof apiKey === 'string' ? { auth: { type: 'bearer' as const, token: apiKey } } : {}),
    // Pagination is detected from the first page; name it when detection is wrong:
    //   { type: 'page_number', pageParam: 'page', totalPath: 'total_pages' }
    //   { type: 'offset', limit: 100 }   { type: 'cursor', cursorPath: 'next_cursor', cursorParam: 'cursor' }
    //   { type: 'json_link', nextUrlPath: 'next' }   { type: 'header_link' }   { type: 'single_page' }
    // paginator: { type: 'page_number', pageParam: 'page', totalPath: 'total_pages' },
  },
  // Every resource: its primary key and what a rerun does (append, replace, or merge on the primary key).
  resourceDefaults: { primaryKey: 'id', writeDisposition: 'replace' },
  resources: [
    // One resource per endpoint. The rows are found in the response automatically, or name them:
    // endpoint: { path: 'items', dataSelector: 'data.items', params: { per_page: 100 } }
    { name: 'items', endpoint: { path: 'items' } },
    // A child endpoint, called once per parent row:
    // { name: 'item_details', endpoint: { path: 'items/{resources.items.id}/details' } },
    // Incremental loading: only what changed since the last run, merged on the primary key:
    // {
    //   name: 'events',
    //   writeDisposition: { disposition: 'merge' },
    //   endpoint: {
    //     path: 'events',
    //     params: { since: '{incremental.start_value}' },
    //     incremental: { cursorPath: 'updated_at', initialValue: '2024-01-01T00:00:00Z' },
    //   },
    // },
  ],
})

const info = await pipeline({
  pipelineName: '${name}',
  destination: duckdb({ path: '${name}.duckdb' }),
  datasetName: '${name}_data',
}).run(source)
console.log(JSON.stringify({ loadIds: info.loadIds, tables: info.tables, warnings: info.warnings }, null, 2))
`
}

const TSCONFIG = `{
  "compilerOptions": {
    "target": "es2022",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "strict": true,
    "skipLibCheck": true,
    "outDir": "dist",
    "types": ["node"]
  },
  "include": ["pipeline.ts"]
}
`

/**
 * `sluice init --source rest_api NAME`: a runnable TypeScript pipeline project in `NAME/` (package.json with the
 * @sluice packages of this CLI's version, pipeline.ts with a commented restApiSource, .sluice templates, .gitignore).
 */
export async function initRestProject(name: string | undefined, io: CliIO): Promise<number> {
  if (!name || !/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new UsageError(
      `sluice init --source rest_api needs a NAME of lowercase letters, digits and _ (e.g. demo_api), not "${name ?? ''}"`,
    )
  }
  const dir = join(io.cwd, name)
  try {
    await mkdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UsageError(`${dir} exists: choose another NAME or remove it`)
    }
    throw error
  }
  const version = await cliVersion()
  const pkg = {
    name: name.replace(/_/g, '-'),
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: { build: 'tsc', start: 'tsc && node dist/pipeline.js' },
    dependencies: {
      '@sluice/core': `^${version}`,
      '@sluice/destination-duckdb': `^${version}`,
      '@duckdb/node-api': '1.5.6-r.1',
    },
    devDependencies: { sluice: `^${version}`, typescript: '7.0.2', '@types/node': '20.19.43' },
  }
  const files: [string, string, number?][] = [
    ['package.json', `${JSON.stringify(pkg, null, 2)}\n`],
    ['tsconfig.json', TSCONFIG],
    ['pipeline.ts', pipelineTs(name)],
    ['.gitignore', 'node_modules/\ndist/\n*.duckdb\n*.duckdb.wal\n.sluice/secrets.toml\n*.secrets.toml\n'],
    [
      '.sluice/config.toml',
      `# ${name}: settings that are not secret. Environment variables win: SOURCES__${name.toUpperCase()}__BASE_URL\n[sources.${name}]\nbase_url = "https://api.example.com/v1/"\n`,
    ],
    [
      '.sluice/secrets.toml',
      `# ${name}: secrets. Keep this file private (chmod 600) and out of version control.\n[sources.${name}]\n# api_key = "your-api-key"\n`,
      0o600,
    ],
    ['.sluice/.gitignore', SLUICE_GITIGNORE],
  ]
  await mkdir(join(dir, '.sluice'))
  for (const [path, text, mode] of files) {
    await writeFile(join(dir, path), text, { flag: 'wx', mode: mode ?? 0o644 })
    if (mode) await chmod(join(dir, path), mode)
    io.stdout.write(`wrote ${name}/${path}\n`)
  }
  io.stdout.write(
    `next: cd ${name} && npm install, set base_url in .sluice/config.toml (and api_key in .sluice/secrets.toml), then npm start\n`,
  )
  return 0
}
