#!/usr/bin/env node
// Proves every published package installs and works from its tarball, as users get it (part of `npm test`; alone:
// `pnpm build && node .ci/pack-check.mjs`). Published = every packages/*, apps/*, templates/* whose package.json
// is not private.
// 1. `pnpm pack` each (its prepack builds it); each tarball must hold LICENSE and README.md, no `workspace:`
//    range, no tests or fixtures, every file its manifest and source maps name (.ci/pack/pack-inspect.mjs; each
//    check first proves on planted mistakes that it can fail).
// 2. A loopback registry serves the tarballs for the @sluice scope (.ci/pack/pack-registry.mjs); npm installs
//    them by version into a scratch project with no workspace links, with every peer dependency at the version
//    the workspace tests with. The .d.ts files may import only declared packages, with their @types.
// 3. Imports every entry point and subpath under Node 20 (import, and require() for CommonJS consumers) and under
//    Deno (the workspace's deno), and type-checks them for a strict consumer without skipLibCheck (workspace tsc).
// 4. Runs the CLI from the scratch install: `sluice --version`, `sluice run --demo` into a temp folder (rows
//    counted; `sluice pipeline NAME query` when the CLI has it).
// 5. The global path: `npm install -g` the CLI into a temp prefix, the missing-destination hint, then
//    `npm install -g @sluice/destination-postgres` and `sluice run --demo --destination postgres` into a throwaway
//    PostgreSQL (@sluice/destination-postgres/test-server), rows counted.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { entryPoints, peerPins, splitTypeErrors, writeConsumer } from './pack/pack-consumer.mjs'
import { checkTypeDependencies, inspectTarball, missedMistakes } from './pack/pack-inspect.mjs'
import { startRegistry } from './pack/pack-registry.mjs'

const root = join(import.meta.dirname, '..')
const started = Date.now()
const work = mkdtempSync(join(tmpdir(), 'sluice-pack-'))
const problems = []
const log = (message) => console.log(`[pack-check] ${message}`)
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`

/** Runs a command; returns its output, or throws with it (and the command) when it fails. */
function sh(cmd, args, { cwd = work, env = process.env, allowFail = false } = {}) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (r.status !== 0 && !allowFail) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n')
    throw new Error(`\`${cmd} ${args.join(' ')}\` (in ${cwd}) exited with ${r.status ?? r.signal}:\n${out}`)
  }
  return r
}

/** Removes `dir` in a child process, so the steps that follow go on meanwhile. */
function removeLater(dir) {
  return new Promise((resolve) => {
    const code = `require('node:fs').rmSync(${JSON.stringify(dir)}, { recursive: true, force: true })`
    const rm = spawn(process.execPath, ['-e', code], { stdio: 'ignore' })
    rm.on('exit', resolve)
    rm.on('error', resolve)
  })
}

/** One step: its failure is recorded, and steps that need it are skipped. */
async function step(name, fn) {
  const t = Date.now()
  try {
    const result = await fn()
    log(`${name}: ok (${seconds(t)})`)
    return result
  } catch (error) {
    problems.push(`${name}: ${error.message}`)
    log(`${name}: FAILED (${seconds(t)})`)
    return undefined
  }
}

/** How npm reaches its registry, which a user's shell may set too (kept; other npm_* variables come from npm run). */
const NPM_NETWORK = /^npm_config_(registry|cache|cafile|proxy|https_proxy|noproxy|strict_ssl)$/i

/** The environment of a user's shell: nothing of the workspace, npm or pnpm run-script, or sluice settings. */
function userEnv(extra = {}) {
  const env = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|turbo_|SLUICE_|DESTINATION__|SOURCES__|DENO_)/i.test(k) && !NPM_NETWORK.test(k))
      continue
    env[k] = v
  }
  // the user's npmrc stays in force; only the @sluice scope goes to the loopback registry
  const scope = registry ? { 'npm_config_@sluice:registry': registry.url } : {}
  return { ...env, ...scope, npm_config_update_notifier: 'false', ...extra }
}

function publishedPackages() {
  const out = []
  for (const base of ['packages', 'apps', 'templates']) {
    for (const name of readdirSync(join(root, base)).sort()) {
      const file = join(root, base, name, 'package.json')
      if (!existsSync(file)) continue
      const manifest = JSON.parse(readFileSync(file, 'utf8'))
      if (manifest.private !== true) out.push({ dir: join(root, base, name), manifest })
    }
  }
  return out
}

const license = readFileSync(join(root, 'LICENSE'), 'utf8')
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const published = publishedPackages()
const cli = published.find((p) => p.manifest.bin?.sluice)
let registry
let postgres
let removing
try {
  await step('the tarball checks catch planted mistakes', () => {
    const missed = missedMistakes(join(work, 'planted'), license)
    if (missed.length > 0) throw new Error(`not caught: ${missed.join(', ')}`)
  })
  // 1. pack and inspect
  const packed = await step(`pnpm pack of ${published.length} packages`, () => {
    mkdirSync(join(work, 'tarballs'))
    return published.map(({ dir, manifest }) => {
      const r = sh('pnpm', ['pack', '--pack-destination', join(work, 'tarballs'), '--json'], { cwd: dir })
      const tarball = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).filename
      const unpacked = join(work, 'unpacked', manifest.name)
      mkdirSync(unpacked, { recursive: true })
      sh('tar', ['xzf', tarball, '-C', unpacked, '--strip-components=1'])
      const inspected = inspectTarball(unpacked, license)
      problems.push(...inspected.problems)
      return { ...inspected, tarball, unpacked }
    })
  })
  if (!packed) throw new Error('nothing to install')

  // 2. install by version from the loopback registry
  registry = await startRegistry(packed)
  const manifests = packed.map((p) => p.manifest)
  const specifiers = manifests.flatMap(entryPoints)
  const consumer = join(work, 'consumer')
  const installed = await step('npm install of every tarball into a scratch project', () => {
    mkdirSync(consumer)
    // @sluice/* by version from the loopback registry; an unscoped package (sluice) by its tarball's URL there
    const dependencies = {
      ...Object.fromEntries(
        packed.map((p) => [
          p.manifest.name,
          p.manifest.name.startsWith('@sluice/')
            ? p.manifest.version
            : `${registry.url}-/${basename(p.tarball)}`,
        ]),
      ),
      ...peerPins(manifests, rootManifest),
      '@types/node': rootManifest.devDependencies['@types/node'],
    }
    writeConsumer(consumer, dependencies, specifiers)
    const args = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']
    const first = sh('npm', args, { cwd: consumer, env: userEnv(), allowFail: true })
    // npm's cache is shared with every other npm on the machine: a file another one just removed fails the
    // install once; the second try fetches it again
    if (first.status !== 0) {
      log(
        `  npm install failed (${first.stderr.split('\n').find((l) => l.includes('error code')) ?? first.status}), once more`,
      )
      sh('npm', args, { cwd: consumer, env: userEnv() })
    }
    for (const p of packed) {
      problems.push(...checkTypeDependencies(p.unpacked, p.files, p.manifest, join(consumer, 'node_modules')))
    }
    return true
  })

  // 3. imports and types
  if (installed) {
    await step(`Node ${process.version}: import of ${specifiers.length} entry points`, () => {
      log(sh(process.execPath, ['import-all.mjs'], { cwd: consumer, env: userEnv() }).stdout.trimEnd())
    })
    const [major, minor] = process.versions.node.split('.').map(Number)
    if (major > 20 || (major === 20 && minor >= 19)) {
      await step('CommonJS: require() of every entry point', () =>
        sh(process.execPath, ['require-all.cjs'], { cwd: consumer, env: userEnv() }),
      )
    } else
      log(`CommonJS: require() skipped: Node ${process.version} loads ES modules with require() from 20.19`)
    await step('Deno: import of every entry point', () =>
      sh(join(root, 'node_modules', '.bin', 'deno'), ['run', '-A', 'import-all.mjs'], {
        cwd: consumer,
        env: userEnv({ DENO_NO_UPDATE_CHECK: '1' }),
      }),
    )
    await step(
      'tsc: the declarations of every entry point for a strict consumer without skipLibCheck',
      () => {
        const tsc = sh(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
          cwd: consumer,
          allowFail: true,
        })
        const output = `${tsc.stdout}${tsc.stderr}`
        const { ours, theirs } = splitTypeErrors(
          output,
          manifests.map((m) => m.name),
        )
        if (ours.length > 0) throw new Error(ours.join('\n'))
        if (tsc.status !== 0 && theirs.length === 0) throw new Error(output)
        if (theirs.length > 0)
          log(`  not ours, so not counted: type errors in the declarations of ${theirs.join(', ')}`)
      },
    )
  }

  // 4. the CLI from the scratch install
  const { demoEntries, globalPostgres, runDemo } = await import('./pack/pack-cli.mjs')
  const expected =
    installed &&
    cli &&
    (await step('entries of the demo account', () => demoEntries({ consumer, sh, userEnv })))
  if (expected) {
    const bin = join(consumer, 'node_modules', '.bin', 'sluice')
    const version = cli.manifest.version
    await step('sluice --version, run --demo (DuckDB) from the scratch install', () =>
      runDemo({ bin, consumer, work, name: 'local', version, expected, sh, userEnv, log }),
    )
  }
  // the scratch project (tens of thousands of files) is removed while the global path runs
  removing = removeLater(consumer)

  // 5. the global path
  if (expected) {
    const pgPackage = published.find((p) => p.manifest.name === '@sluice/destination-postgres')
    await step(
      'npm install -g: sluice, then @sluice/destination-postgres; run --demo into PostgreSQL',
      async () => {
        const server = pathToFileURL(join(pgPackage.dir, 'dist', 'postgres-test-server.js')).href
        postgres = await (await import(server)).startTestPostgres({ logStatements: false })
        return globalPostgres({
          tarball: packed.find((p) => p.manifest.name === cli.manifest.name).tarball,
          postgresVersion: pgPackage.manifest.version,
          pg: createRequire(join(pgPackage.dir, 'package.json'))('pg'),
          postgres,
          expected,
          work,
          cli: cli.manifest,
          sh,
          userEnv,
          log,
        })
      },
    )
  }
} finally {
  await registry?.close()
  await postgres?.stop()
  await removing
  rmSync(work, { recursive: true, force: true })
}

if (problems.length > 0) {
  console.error(`[pack-check] ${problems.length} problem(s):\n- ${problems.join('\n- ')}`)
  process.exit(1)
}
log(
  `${published.length} packages publishable (${published.map((p) => p.manifest.name).join(', ')}) in ${seconds(started)}`,
)
