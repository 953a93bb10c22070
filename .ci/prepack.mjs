#!/usr/bin/env node
// `prepack` of every published package (pnpm runs it before `pnpm pack` and `pnpm publish`):
// 1. refuses npm and yarn: only pnpm rewrites the `workspace:` ranges of package.json into versions, any other
//    client would publish them as they are (and nobody could install the package);
// 2. builds the package and the packages it depends on (turbo, so an unchanged build costs a cache hit), so a
//    tarball never holds a stale or missing dist/.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { name } = JSON.parse(readFileSync('package.json', 'utf8'))
// biome-ignore lint/suspicious/noUndeclaredEnvVars: a lifecycle script of pnpm pack/publish, not a turbo task
const agent = process.env.npm_config_user_agent ?? ''

if (!agent.startsWith('pnpm/')) {
  console.error(
    `[prepack] ${name}: pack and publish with pnpm (\`pnpm pack\`, \`pnpm publish -r\`), not ${agent.split(' ')[0] || 'this client'}: ` +
      'only pnpm replaces the workspace: ranges in package.json with versions',
  )
  process.exit(1)
}

const turbo = join(root, 'node_modules', '.bin', 'turbo')
if (!existsSync(turbo)) {
  console.error('[prepack] no turbo in node_modules/.bin: run `pnpm install` at the repository root first')
  process.exit(1)
}
const r = spawnSync(turbo, ['run', 'build', `--filter=${name}...`, '--output-logs=errors-only'], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
})
if (r.status !== 0) {
  process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`)
  console.error(`[prepack] ${name}: the build failed`)
  process.exit(r.status ?? 1)
}
