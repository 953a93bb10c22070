// What `pnpm pack` put into one tarball, checked without installing it: the licence, no `workspace:` range left,
// no tests or fixtures, every file the manifest names (exports under every condition, bin, types) and every source
// a source map names, and the packages its .d.ts files import declared as dependencies.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, posix, relative } from 'node:path'

/** Paths of tests and fixtures, which never belong in a tarball. */
const TEST_FILE =
  /(^|\/)(tests?|__tests__|fixtures?|__fixtures__|__snapshots__)\/|\.(test|spec)\.[cm]?[jt]sx?$/
const DEPENDENCY_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']

/** Every file below `dir`, as paths relative to it with `/`. */
export function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
}

/** Every path a manifest points at: exports (any condition, any depth), bin, main, types. */
function manifestTargets(manifest) {
  const out = []
  const walk = (value, where) => {
    if (typeof value === 'string') out.push([where, value])
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, `${where} > ${k}`)
    }
  }
  walk(manifest.exports, 'exports')
  walk(typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : manifest.bin, 'bin')
  for (const field of ['main', 'module', 'types', 'typings']) walk(manifest[field], field)
  return out.filter(([, target]) => !target.includes('*'))
}

/** The package name of a bare import specifier (`@a/b/c` → `@a/b`, `x/y` → `x`), or undefined for relative/builtin. */
export function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
    return undefined
  const name = specifier.startsWith('@')
    ? specifier.split('/').slice(0, 2).join('/')
    : specifier.split('/')[0]
  return builtinModules.includes(name) ? undefined : name
}

/** Bare packages the declaration files import (`from 'x'`, `import('x')`, `/// <reference types="x" />`). */
export function declarationImports(dir, files) {
  const found = new Map()
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\/\/\/\s*<reference\s+types\s*=\s*['"]([^'"]+)['"]/g,
  ]
  for (const file of files.filter((f) => /\.d\.[cm]?ts$/.test(f))) {
    const text = readFileSync(join(dir, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '')
    for (const re of patterns) {
      for (const m of text.matchAll(re)) {
        const pkg = packageOf(m[1])
        if (pkg && !found.has(pkg)) found.set(pkg, file)
      }
    }
  }
  return found
}

/**
 * Checks an unpacked tarball (`dir` holds its `package/` contents) against the repository's LICENSE text.
 * Returns the problems, each naming the package and what to change.
 */
export function inspectTarball(dir, licenseText) {
  const problems = []
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const name = manifest.name
  const files = listFiles(dir)
  const has = new Set(files)
  const say = (message) => problems.push(`${name}: ${message}`)

  if (!has.has('LICENSE'))
    say('no LICENSE in the tarball: copy the root LICENSE into the package, list it in "files"')
  else if (readFileSync(join(dir, 'LICENSE'), 'utf8') !== licenseText)
    say('its LICENSE differs from the root LICENSE: copy the root one')
  if (manifest.license !== 'Apache-2.0')
    say(`license is ${JSON.stringify(manifest.license)}, not "Apache-2.0"`)
  if (!has.has('README.md')) say('no README.md in the tarball')
  for (const field of DEPENDENCY_FIELDS) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:'))
        say(
          `${field}.${dep} is still "${range}": pack and publish with pnpm, which replaces workspace: ranges`,
        )
    }
  }
  const tests = files.filter((f) => TEST_FILE.test(f))
  if (tests.length > 0)
    say(`tests or fixtures in the tarball (${tests.slice(0, 3).join(', ')}): exclude them in "files"`)
  for (const [where, target] of manifestTargets(manifest)) {
    if (!has.has(posix.normalize(target))) say(`${where} points at ${target}, which is not in the tarball`)
  }
  for (const file of files.filter((f) => f.endsWith('.map'))) {
    const map = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    for (const [i, source] of (map.sources ?? []).entries()) {
      const path = posix.normalize(posix.join(posix.dirname(file), map.sourceRoot ?? '', source))
      if (!has.has(path) && typeof map.sourcesContent?.[i] !== 'string') {
        say(`${file} maps to ${source}, which is not in the tarball (ship it, or inline sourcesContent)`)
        break
      }
    }
  }
  return { manifest, files, problems }
}

/**
 * Packages the .d.ts files import must be installable with the package: declared as a dependency or peer
 * dependency, and when their types come from DefinitelyTyped (no types of their own in `modules`), `@types/<name>`
 * must be a dependency too (a consumer without skipLibCheck gets TS7016 otherwise).
 */
export function checkTypeDependencies(dir, files, manifest, modules) {
  const problems = []
  const declared = { ...manifest.dependencies, ...manifest.peerDependencies }
  for (const [pkg, file] of declarationImports(dir, files)) {
    if (pkg === manifest.name) continue
    if (!(pkg in declared)) {
      problems.push(`${manifest.name}: ${file} imports ${pkg}, which is not a dependency or peer dependency`)
      continue
    }
    const own = join(modules, pkg, 'package.json')
    if (!existsSync(own)) continue // an optional peer the consumer did not install: its import is theirs to satisfy
    const meta = JSON.parse(readFileSync(own, 'utf8'))
    const shipsTypes =
      meta.types ||
      meta.typings ||
      JSON.stringify(meta.exports ?? {}).includes('"types"') ||
      existsSync(join(modules, pkg, 'index.d.ts'))
    const typesPkg = `@types/${pkg.startsWith('@') ? pkg.slice(1).replace('/', '__') : pkg}`
    if (!shipsTypes && !(typesPkg in (manifest.dependencies ?? {})))
      problems.push(
        `${manifest.name}: ${file} imports types of ${pkg}, which come from ${typesPkg}: make it a dependency`,
      )
  }
  return problems
}

/**
 * Plants each mistake the checks must catch in a fake unpacked tarball under `dir` and returns the ones they
 * missed (empty when every check works): a check that cannot fail proves nothing.
 */
export function missedMistakes(dir, licenseText) {
  const write = (path, text) => {
    mkdirSync(join(dir, posix.dirname(path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  write(
    'package/package.json',
    JSON.stringify({
      name: '@sluice/planted',
      license: 'Apache-2.0',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      dependencies: { '@sluice/core': 'workspace:*', pg: '8.23.1' },
    }),
  )
  write(
    'package/dist/index.d.ts',
    "import type { Pool } from 'pg'\nexport declare const x: import('undeclared').Y\n",
  )
  write(
    'package/dist/other.js.map',
    JSON.stringify({ version: 3, sources: ['../src/other.ts'], mappings: '' }),
  )
  write('package/test/planted.test.js', '')
  write('modules/pg/package.json', JSON.stringify({ name: 'pg', main: 'index.js' }))
  const { problems, files, manifest } = inspectTarball(join(dir, 'package'), licenseText)
  problems.push(...checkTypeDependencies(join(dir, 'package'), files, manifest, join(dir, 'modules')))
  const expected = {
    'a missing LICENSE': 'no LICENSE',
    'a missing README': 'no README.md',
    'a workspace: range': '"workspace:*"',
    'a test in the tarball': 'tests or fixtures',
    'an exports target not in the tarball': 'points at ./dist/index.js',
    'a source map to a missing source': 'maps to ../src/other.ts',
    'an undeclared type import': 'imports undeclared, which is not a dependency',
    'types from DefinitelyTyped not a dependency': 'come from @types/pg',
  }
  return Object.entries(expected)
    .filter(([, text]) => !problems.some((p) => p.includes(text)))
    .map(([what]) => what)
}
