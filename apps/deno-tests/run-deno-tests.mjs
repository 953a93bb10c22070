#!/usr/bin/env node
// The Deno suite of `npm test`: `deno check` on every package's entry point, then `deno test` (the Clockodo
// source into DuckDB and PostgreSQL, the CLI demo). Deno comes from npm (devDependency deno-npm = deno@2.9.6).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const deno = join(root, 'node_modules', '.bin', 'deno')
if (!existsSync(deno)) {
  console.error(
    '[deno-tests] no deno binary at node_modules/.bin/deno: run `pnpm install` (devDependency deno-npm)',
  )
  process.exit(1)
}

function run(args, env = process.env) {
  console.log(`[deno-tests] deno ${args.join(' ')}`)
  const r = spawnSync(deno, args, { cwd: here, stdio: 'inherit', env })
  if (r.status !== 0) throw new Error(`deno ${args[0]} failed with exit code ${r.status}`)
}

// every package's src/index.ts, and every subpath of @sluice/core (its `sluice-source` files)
const entries = []
for (const base of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, base))) {
    const index = join(root, base, name, 'src', 'index.ts')
    if (existsSync(index)) entries.push(index)
  }
}
const coreDir = join(root, 'packages', 'core')
for (const target of Object.values(JSON.parse(readFileSync(join(coreDir, 'package.json'), 'utf8')).exports)) {
  const file = typeof target === 'object' ? target['sluice-source'] : undefined
  if (file && !entries.includes(join(coreDir, file))) entries.push(join(coreDir, file))
}
entries.push(join(root, 'apps', 'cli', 'src', 'sluice-bin.ts'))
// Type-check the TypeScript sources (the `sluice-source` export condition points packages at src/).
run(['check', '--quiet', ...entries], { ...process.env, DENO_CONDITIONS: 'sluice-source' })

// The example notebooks: their code cells, one after the other, type-check as one module (next to the notebook,
// so that its imports resolve as they do in the kernel).
for (const name of readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ipynb'))) {
  const cells = JSON.parse(readFileSync(join(root, 'examples', name), 'utf8')).cells
  const code = cells.filter((c) => c.cell_type === 'code').map((c) => c.source.join(''))
  const file = join(root, 'examples', `.${name}.check.ts`)
  writeFileSync(file, `${code.join('\n\n')}\nexport {}\n`)
  try {
    run(['check', '--quiet', file], { ...process.env, DENO_CONDITIONS: 'sluice-source' })
  } finally {
    rmSync(file, { force: true })
  }
}

// PostgreSQL for the Deno suite: SLUICE_TEST_POSTGRES_URL, else a throwaway server (fails with a how-to when none).
let server
let pgUrl = process.env.SLUICE_TEST_POSTGRES_URL
if (!pgUrl) {
  const { startTestPostgres } = await import('@sluice/destination-postgres/test-server')
  server = await startTestPostgres()
  pgUrl = server.url
}
try {
  const env = {
    ...process.env,
    DENO_CONDITIONS: 'sluice-source',
    DENO_NO_UPDATE_CHECK: '1',
    SLUICE_TEST_POSTGRES_URL: pgUrl,
  }
  run(['test', '-A', '--quiet', 'test/'], env)
} finally {
  await server?.stop()
}
