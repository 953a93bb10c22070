import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, onTestFinished, test } from 'vitest'

// The repository's biome rule keeps @sluice/core and @sluice/source-clockodo free of Node built-ins (they run on
// Deno and other runtimes through Web APIs); only packages/core/src/node/** may import `node:*`.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const biome = join(root, 'node_modules', '.bin', 'biome')

test('a node: import is a lint error in core and the Clockodo source, allowed in core/src/node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-lint-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'))
  delete config.$schema
  writeFileSync(join(dir, 'biome.json'), JSON.stringify({ ...config, vcs: { enabled: false } }))
  const files = [
    'packages/core/src/http/a.ts',
    'packages/source-clockodo/src/b.ts',
    'packages/core/src/node/c.ts',
  ]
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true })
    writeFileSync(
      join(dir, f),
      "import { readFile } from 'node:fs/promises'\n\nexport const read = readFile\n",
    )
  }
  let output = ''
  try {
    execFileSync(biome, ['lint', '--max-diagnostics=50', '.'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' })
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string }
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`
  }
  const flagged = [...output.matchAll(/^(\S+\.ts):\d+:\d+ lint\/correctness\/noNodejsModules/gm)].map(
    (m) => m[1],
  )
  expect(flagged.sort()).toEqual(['packages/core/src/http/a.ts', 'packages/source-clockodo/src/b.ts'])
})
