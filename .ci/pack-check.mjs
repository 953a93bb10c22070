#!/usr/bin/env node
// Proves a package is publishable as it is: `pnpm pack` makes a tarball that installs with npm into a scratch
// folder and imports cleanly (ESM, exports map, files list, no workspace: protocol left behind).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pkgDir = join(root, 'packages', 'core')
// every subpath of the exports map, with a function it must export
const EXPECTED = {
  '.': 'SluiceError',
  './destination': 'sqlDestination',
  './testing': 'createManualClock',
  './node': 'nodeFileSystem',
}
const subpaths = Object.keys(JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).exports).filter(
  (s) => s !== './package.json',
)
const unchecked = subpaths.filter((s) => !(s in EXPECTED))
if (unchecked.length > 0)
  throw new Error(`pack-check: add ${unchecked.join(', ')} of @sluice/core to EXPECTED`)
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
  const imports = subpaths.map((s) => [`@sluice/core${s.slice(1)}`, EXPECTED[s]])
  const check = `
    const counts = []
    for (const [subpath, name] of ${JSON.stringify(imports)}) {
      const mod = await import(subpath)
      if (typeof mod[name] !== 'function') throw new Error(name + ' missing from ' + subpath)
      counts.push(subpath + ' ' + Object.keys(mod).length)
    }
    console.log('[pack-check] @sluice/core imports cleanly (runtime exports):', counts.join(', '))
  `
  writeFileSync(join(scratch, 'check.mjs'), check)
  execFileSync(process.execPath, ['check.mjs'], { cwd: scratch, stdio: 'inherit' })
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
