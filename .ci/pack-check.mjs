#!/usr/bin/env node
// Proves a package is publishable as it is: `pnpm pack` makes a tarball that installs with npm into a scratch
// folder and imports cleanly (ESM, exports map, files list, no workspace: protocol left behind).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pkgDir = join(root, 'packages', 'core')
const scratch = mkdtempSync(join(tmpdir(), 'sluice-pack-'))
try {
  execFileSync('pnpm', ['pack', '--pack-destination', scratch], {
    cwd: pkgDir,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'))
  if (!tarball) throw new Error('pnpm pack produced no tarball')
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
  )
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', join(scratch, tarball)], {
    cwd: scratch,
    stdio: 'inherit',
  })
  const check = `
    const core = await import('@sluice/core')
    const node = await import('@sluice/core/node')
    if (typeof core.SluiceError !== 'function') throw new Error('SluiceError missing from @sluice/core')
    console.log('[pack-check] @sluice/core imports cleanly:', Object.keys(core).length, 'exports;', Object.keys(node).length, 'from /node')
  `
  writeFileSync(join(scratch, 'check.mjs'), check)
  execFileSync(process.execPath, ['check.mjs'], { cwd: scratch, stdio: 'inherit' })
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
