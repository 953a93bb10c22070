// The CLI as users install it: from the scratch project (`npm install sluice`) and from a global prefix
// (`npm install -g sluice`, then a destination package next to it). Every run loads the simulated account of
// `--demo`; the rows that arrive are counted against the account's own expected counts.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const NPM_INSTALL = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']

const EXPECTED = `import { DEMO_ACCOUNT } from 'sluice'
import { createClockodoAccount } from '@sluice/clockodo-mock'
const account = createClockodoAccount({ seed: DEMO_ACCOUNT.seed, today: DEMO_ACCOUNT.today, ...DEMO_ACCOUNT.size })
console.log(account.expectedCounts().entries)
`
const COUNT_DUCKDB = `import { DuckDBInstance } from '@duckdb/node-api'
const db = await DuckDBInstance.create(process.argv[2], { access_mode: 'READ_ONLY' })
const reader = await (await db.connect()).runAndReadAll('select count(*) from clockodo_demo_data.entries')
console.log(String(reader.getRows()[0][0]))
`

/** The entries a complete load of the demo account holds, computed by the installed packages themselves. */
export function demoEntries({ consumer, sh, userEnv }) {
  writeFileSync(join(consumer, 'expected.mjs'), EXPECTED)
  const entries = Number(
    sh(process.execPath, ['expected.mjs'], { cwd: consumer, env: userEnv() }).stdout.trim(),
  )
  if (!(entries > 0)) throw new Error(`the demo account expects ${entries} entries`)
  return entries
}

function checkVersion(ctx, bin, version) {
  const printed = ctx.sh(bin, ['--version'], { env: ctx.userEnv() }).stdout.trim()
  if (printed !== version)
    throw new Error(`${bin} --version printed "${printed}", its package.json says ${version}`)
}

/** `sluice --version` and `sluice run --demo` into a temp folder; the DuckDB file holds every entry. */
export function runDemo(ctx) {
  const { bin, work, sh, userEnv } = ctx
  checkVersion(ctx, bin, ctx.version)
  const cwd = join(work, `demo-${ctx.name}`)
  mkdirSync(cwd)
  const env = userEnv({ SLUICE_PIPELINES_DIR: join(work, `pipelines-${ctx.name}`) })
  sh(bin, ['run', '--demo', '--progress', 'none'], { cwd, env })
  const { expected } = ctx
  writeFileSync(join(ctx.consumer, 'count-duckdb.mjs'), COUNT_DUCKDB)
  const file = join(cwd, 'clockodo_demo.duckdb')
  const rows = Number(sh(process.execPath, ['count-duckdb.mjs', file], { cwd: ctx.consumer }).stdout.trim())
  if (rows !== expected)
    throw new Error(`the demo loaded ${rows} entries into DuckDB, the account has ${expected}`)
  ctx.log(`  sluice ${ctx.version}: ${rows} entries in ${file.slice(work.length + 1)}`)
  queryEntries(ctx, { bin, cwd, env, expected, where: 'DuckDB' })
}

/** `sluice pipeline clockodo_demo query` counts the entries, where the CLI has that command. */
function queryEntries(ctx, { bin, cwd, env, expected, where }) {
  const help = ctx.sh(bin, ['pipeline', '--help'], { cwd, env, allowFail: true })
  if (!/^\s*query\b/m.test(`${help.stdout}${help.stderr}`)) {
    ctx.log('  sluice pipeline NAME query: skipped, this CLI has no query command')
    return
  }
  const sql = 'select count(*) as n from entries'
  const args = ['pipeline', 'clockodo_demo', 'query', sql, '--format', 'csv']
  const out = ctx.sh(bin, args, { cwd, env }).stdout
  if (!out.split(/\r?\n/).includes(String(expected)))
    throw new Error(`sluice ${args.join(' ')} printed no line "${expected}":\n${out}`)
  ctx.log(`  sluice pipeline clockodo_demo query (${where}): ${expected} entries`)
}

/**
 * `npm install -g` of the CLI into a temp prefix (its @sluice dependencies by version from the loopback registry);
 * without the destination package the CLI must say `npm install -g @sluice/destination-postgres`; after that
 * install (next to the CLI, with its peer dependencies) `sluice run --demo --destination postgres` loads every
 * entry into the throwaway server.
 */
export async function globalPostgres(ctx) {
  const { work, sh, userEnv, log, cli, postgres, pg } = ctx
  const prefix = join(work, 'global')
  sh('npm', ['install', '-g', '--prefix', prefix, ...NPM_INSTALL, ctx.tarball], { env: userEnv() })
  const bin = join(prefix, 'bin', 'sluice')
  checkVersion(ctx, bin, cli.version)
  const cwd = join(work, 'demo-global')
  mkdirSync(cwd)
  const env = userEnv({
    SLUICE_PIPELINES_DIR: join(work, 'pipelines-global'),
    DESTINATION__POSTGRES__CREDENTIALS: postgres.url,
  })
  const args = ['run', '--demo', '--destination', 'postgres', '--progress', 'none']
  const missing = sh(bin, args, { cwd, env, allowFail: true })
  const hint = 'npm install -g @sluice/destination-postgres'
  if (missing.status !== 2 || !missing.stderr.includes(hint))
    throw new Error(`without the package, exit ${missing.status} and no "${hint}" in:\n${missing.stderr}`)
  sh(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      ...NPM_INSTALL,
      `@sluice/destination-postgres@${ctx.postgresVersion}`,
    ],
    {
      env: userEnv(),
    },
  )
  sh(bin, args, { cwd, env })
  const client = new pg.Client({ connectionString: postgres.url })
  await client.connect()
  try {
    const { rows } = await client.query('select count(*)::int as n from clockodo_demo_data.entries')
    const { expected } = ctx
    if (rows[0].n !== expected)
      throw new Error(
        `the global CLI loaded ${rows[0].n} entries into PostgreSQL, the account has ${expected}`,
      )
    log(`  global sluice + @sluice/destination-postgres: ${rows[0].n} entries in PostgreSQL`)
    queryEntries(ctx, { bin, cwd, env, expected, where: 'PostgreSQL, global' })
  } finally {
    await client.end()
  }
}
