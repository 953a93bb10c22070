#!/usr/bin/env node
// The Deno suite of `npm test`: `deno check` on every package's entry point, then `deno test` (the Clockodo
// source into DuckDB and PostgreSQL, the CLI demo). Deno comes from npm (devDependency deno-npm = deno@2.9.6).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const deno = join(root, 'node_modules', '.bin', 'deno')
if (!existsSync(deno)) {
  console.error('[deno-tests] no deno binary at node_modules/.bin/deno: run `pnpm install` (devDependency deno-npm)')
  process.exit(1)
}

function run(args, env = process.env) {
  console.log(`[deno-tests] deno ${args.join(' ')}`)
  const r = spawnSync(deno, args, { cwd: here, stdio: 'inherit', env })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

const entries = []
for (const base of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, base))) {
    const index = join(root, base, name, 'src', 'index.ts')
    if (existsSync(index)) entries.push(index)
  }
}
entries.push(join(root, 'apps', 'cli', 'src', 'sluice-bin.ts'))
run(['check', '--quiet', ...entries])

const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1' }
run(['test', '-A', '--quiet', 'test/'], env)
