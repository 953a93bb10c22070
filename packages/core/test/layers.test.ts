import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { importCircles, importsOf, layerViolations } from './layer-check.ts'

// Core's layers run one way (LAYERS in layer-check.ts: base, http/schema/config, normalize, job-files, storage,
// page-workers, source/destination, dataset, pipeline, node/testing, entry files), and neither core nor the CLI has an
// import circle. Type-only and dynamic imports count.
const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..', '..', '..')

/** Every .ts file under `dir`, by its path relative to `dir` (with `/`). */
function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>()
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
    const path = join(entry.parentPath, entry.name)
    files.set(relative(dir, path).split('\\').join('/'), readFileSync(path, 'utf8'))
  }
  return files
}

/**
 * Circles another branch removes (the SQL kit of destination/sql): allowed while they exist, with a note; once
 * gone, the test asks to delete the entry.
 */
describe('core layers', () => {
  const core = tree(join(here, '..', 'src'))

  it('finds the imports of a file: static, type-only, re-exports and dynamic', () => {
    const text = [
      "import { a } from './a.ts'",
      "import type { B } from '../b/b.ts'",
      "export { c } from './c.ts'",
      "import './d.ts'",
      "const e = await import('../e.ts')",
      "import { f } from 'node:fs'",
      "// import { g } from './g.ts'",
    ].join('\n')
    expect(importsOf('x/y.ts', text).map((e) => e.to)).toEqual([
      'x/a.ts',
      'b/b.ts',
      'x/c.ts',
      'x/d.ts',
      'e.ts',
    ])
  })

  it('catches planted violations: a higher layer, a sideways import, an entry file, a circle', () => {
    const planted = new Map([
      ['errors.ts', ''],
      ['index.ts', "export { a } from './http/a.ts'"],
      ['http/a.ts', "import type { P } from '../pipeline/p.ts'\nimport { s } from '../schema/s.ts'"],
      ['schema/s.ts', "import { e } from '../errors.ts'"],
      ['pipeline/p.ts', "import { i } from '../index.ts'\nimport { q } from './q.ts'"],
      ['pipeline/q.ts', "const p = await import('./p.ts')"],
      ['pipeline/p.test.ts', "import { a } from '../http/a.ts'"],
    ])
    expect(layerViolations(planted)).toEqual([
      'http/a.ts: imports ../pipeline/p.ts: http (layer 1) must not import pipeline (layer 8, higher)',
      'http/a.ts: imports ../schema/s.ts: http and schema are on the same layer (1) and must not import each other',
      'pipeline/p.ts: imports ../index.ts: entry files are imported by no file of core',
    ])
    // one circle per group of files that reach each other (here p <-> q, and index -> a -> p -> index)
    expect(importCircles(planted)).toEqual([['http/a.ts', 'pipeline/p.ts', 'index.ts', 'http/a.ts']])
    planted.set('index.ts', '')
    expect(importCircles(planted)).toEqual([['pipeline/p.ts', 'pipeline/q.ts', 'pipeline/p.ts']])
  })

  it("allows the package's own package.json (its version) and nothing else outside src/", () => {
    const planted = new Map([
      [
        'http/a.ts',
        "import pkg from '../../package.json' with { type: 'json' }\nimport { t } from '../../test/t.ts'",
      ],
    ])
    expect(layerViolations(planted)).toEqual(['http/a.ts: imports ../../test/t.ts, outside src/'])
  })

  it('packages/core/src imports only downwards', () => {
    expect(layerViolations(core)).toEqual([])
  })

  it('packages/core/src has no import circle', () => {
    expect(importCircles(core).map((c) => c.join(' -> '))).toEqual([])
  })

  it('apps/cli/src has no import circle', () => {
    const cli = tree(join(repo, 'apps', 'cli', 'src'))
    expect(cli.size).toBeGreaterThan(5)
    expect(importCircles(cli).map((c) => c.join(' -> '))).toEqual([])
  })
})
