#!/usr/bin/env node
// Makes `npm run demo` and `npm test` work on a machine with only Node.js 20+ and npm:
// finds or installs pnpm 12.4.2, installs the workspace when needed, then runs the task.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PNPM_VERSION = '12.4.2'
const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function pnpmBin() {
  try {
    const v = execFileSync('pnpm', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
    if (v === PNPM_VERSION) return 'pnpm'
  } catch {}
  const local = join(root, '.cache', 'pnpm', 'node_modules', '.bin', 'pnpm')
  if (!existsSync(local)) {
    console.error(`[sluice] installing pnpm ${PNPM_VERSION} into .cache/pnpm (one time)`)
    run('npm', [
      'install',
      '--prefix',
      join(root, '.cache', 'pnpm'),
      '--no-save',
      '--no-audit',
      '--no-fund',
      `pnpm@${PNPM_VERSION}`,
    ])
  }
  return local
}

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

const pnpm = pnpmBin()
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
  PATH: `${dirname(pnpm === 'pnpm' ? 'pnpm' : pnpm)}:${process.env.PATH}`,
}
const marker = join(root, 'node_modules', '.modules.yaml')
const lock = join(root, 'pnpm-lock.yaml')
if (!existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs) {
  run(pnpm, ['install', '--frozen-lockfile'], env)
}

const task = process.argv[2]
if (task === 'demo') {
  run(pnpm, ['exec', 'turbo', 'run', 'build', '--filter=sluice...', '--output-logs=errors-only'], env)
  run(
    process.execPath,
    [join(root, 'apps', 'cli', 'dist', 'sluice-bin.js'), 'run', '--demo', ...process.argv.slice(3)],
    env,
  )
} else if (task === 'test') {
  run(pnpm, ['run', 'test:all'], env)
} else {
  console.error('usage: node .ci/bootstrap.mjs demo|test')
  process.exit(2)
}
