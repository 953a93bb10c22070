// The files of the scratch consumer project: its package.json (every published package by version, every peer
// dependency at the version the workspace tests with), the import checks for Node (ESM and require) and Deno, and
// a strict TypeScript consumer of every entry point.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** `name` + each subpath of its exports map except ./package.json: the specifiers users import. */
export function entryPoints(manifest) {
  const subpaths = typeof manifest.exports === 'object' ? Object.keys(manifest.exports) : ['.']
  return subpaths
    .filter((s) => s !== './package.json' && !s.includes('*'))
    .map((s) => (s === '.' ? manifest.name : `${manifest.name}${s.slice(1)}`))
}

/**
 * Peer dependencies of the published packages that are not published packages themselves, pinned to the version
 * the workspace tests with (the package's devDependency, else the root's). Throws when none is pinned.
 */
export function peerPins(manifests, rootManifest) {
  const ours = new Set(manifests.map((m) => m.name))
  const pins = {}
  for (const m of manifests) {
    for (const peer of Object.keys(m.peerDependencies ?? {})) {
      if (ours.has(peer) || peer in pins) continue
      const pin = m.devDependencies?.[peer] ?? rootManifest.devDependencies?.[peer]
      if (!pin) throw new Error(`${m.name}: peer dependency ${peer} has no pinned devDependency to test with`)
      pins[peer] = pin
    }
  }
  return pins
}

/** A script that imports every entry point (Node or Deno) and prints one line per specifier. */
function importScript(specifiers) {
  return `const failed = []
for (const spec of ${JSON.stringify(specifiers)}) {
  try {
    const mod = await import(spec)
    const names = Object.keys(mod)
    if (names.length === 0) failed.push(spec + ': no exports')
    else console.log('  ' + spec + ': ' + names.length + ' exports')
  } catch (error) {
    failed.push(spec + ': ' + (error?.stack ?? error))
  }
}
if (failed.length > 0) {
  console.error('failed imports:\\n' + failed.join('\\n'))
  process.exit(1)
}
// msw, once imported, keeps Deno's event loop alive; Node must exit by itself (no entry point may hold it open)
globalThis.Deno?.exit(0)
`
}

/** CommonJS consumers: require() of each entry point (Node 20.19+ loads ES modules so) gives the same exports. */
function requireScript(specifiers) {
  return `const failed = []
const run = async () => {
  for (const spec of ${JSON.stringify(specifiers)}) {
    try {
      const viaRequire = Object.keys(require(spec)).filter((k) => k !== '__esModule' && k !== 'module.exports').sort()
      const viaImport = Object.keys(await import(spec)).sort()
      if (viaRequire.join() !== viaImport.join()) failed.push(spec + ': require() and import() differ')
    } catch (error) {
      failed.push(spec + ': ' + (error?.code ?? '') + ' ' + error?.message)
    }
  }
  if (failed.length > 0) {
    console.error('failed require():\\n' + failed.join('\\n'))
    process.exit(1)
  }
}
run()
`
}

/** A TypeScript file that uses every entry point, so tsc reads all of their declarations. */
function typesFile(specifiers) {
  const lines = specifiers.map((s, i) => `import * as m${i} from '${s}'`)
  lines.push(`export const all: object[] = [${specifiers.map((_, i) => `m${i}`).join(', ')}]`)
  return `${lines.join('\n')}\n`
}

/**
 * tsc's errors split into those in sluice's declarations (or the consumer file) and those in third-party
 * declarations, which a consumer of those libraries meets without sluice too (for example TypeScript 7's JSDoc
 * checks in @google-cloud/precise-date).
 */
export function splitTypeErrors(output, ourPackages) {
  const ours = []
  const theirs = new Set()
  for (const line of output.split('\n')) {
    const m = /^(.+?)\(\d+,\d+\): error TS\d+/.exec(line)
    if (!m) continue
    const file = m[1].split('\\').join('/')
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1]
    if (!pkg || ourPackages.includes(pkg)) ours.push(line)
    else theirs.add(pkg)
  }
  return { ours, theirs: [...theirs] }
}

/**
 * Writes the scratch project into `dir`: package.json (`dependencies` as given), import checks, types.ts and a
 * tsconfig.json for a strict consumer (strict, skipLibCheck false, Node's module resolution).
 */
export function writeConsumer(dir, dependencies, specifiers) {
  const files = {
    'package.json': JSON.stringify(
      { name: 'sluice-consumer', private: true, type: 'module', dependencies },
      null,
      2,
    ),
    'import-all.mjs': importScript(specifiers),
    'require-all.cjs': requireScript(specifiers),
    'types.ts': typesFile(specifiers),
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        target: 'es2022',
        lib: ['es2023', 'dom'], // msw's declarations (the ./msw subpath's peer) need the DOM's
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: ['node'],
      },
      files: ['types.ts'],
    }),
    'deno.json': JSON.stringify({ nodeModulesDir: 'manual', lock: false }),
  }
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
}
