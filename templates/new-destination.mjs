#!/usr/bin/env node
// `pnpm new:destination <name> [--dir <folder>]`: copies templates/destination to packages/destination-<name> (or
// the folder given), renaming the template's `mydb` (`Mydb`, `MYDB`) to the new name in file names and contents.
// The copy builds and passes the conformance suite as it is; CONTRIBUTING.md ("Adding a destination") goes on.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const template = join(root, 'templates', 'destination')
const SKIP = new Set(['node_modules', 'dist', '.turbo'])

function fail(message) {
  console.error(`[new:destination] ${message}`)
  process.exit(2)
}

let name
let dir
const args = process.argv.slice(2)
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--dir') dir = args[++i] ?? ''
  else if (name === undefined) name = args[i]
  else fail(`unexpected argument ${args[i]}`)
}
if (!name || dir === '') fail('usage: pnpm new:destination <name> [--dir <folder>]')
if (!/^[a-z][a-z0-9]{1,30}$/.test(name) || name === 'mydb') {
  fail(
    `"${name}" is not a usable name: lower-case letters and digits, starting with a letter (e.g. clickhouse)`,
  )
}
const target = resolve(dir ?? join(root, 'packages', `destination-${name}`))
if (existsSync(target))
  fail(`${relative(process.cwd(), target) || target} exists already; choose another name or --dir`)

const pascal = name[0].toUpperCase() + name.slice(1)
const up = relative(target, root).split(sep).join('/')
const rename = (text) =>
  text.replaceAll('mydb', name).replaceAll('Mydb', pascal).replaceAll('MYDB', name.toUpperCase())

/** The template's text, renamed; paths to the repository root follow the target's depth. */
function convert(file, text) {
  let out = rename(text)
  if (/(^|\/)(tsconfig[^/]*\.json|package\.json|vitest\.config\.ts)$/.test(file))
    out = out.replaceAll('../../', `${up}/`)
  if (file === 'package.json') out = out.replace(/\n {2}"private": true,/, '')
  return out
}

const written = []
function copy(from, to) {
  mkdirSync(join(target, to), { recursive: true })
  for (const entry of readdirSync(join(template, from), { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue
    const source = from ? `${from}/${entry.name}` : entry.name
    const dest = rename(source)
    if (entry.isDirectory()) copy(source, dest)
    else {
      writeFileSync(join(target, dest), convert(source, readFileSync(join(template, source), 'utf8')))
      written.push(dest)
    }
  }
}
copy('', '')

const shown = relative(process.cwd(), target) || '.'
console.log(`[new:destination] wrote ${written.length} files to ${shown}:`)
for (const file of written.sort()) console.log(`  ${file}`)
console.log(`next:
  pnpm install
  pnpm --filter @sluice/destination-${name} build
  pnpm --filter @sluice/destination-${name} test     # the conformance suites, green from the start
then replace the in-memory engine with yours, step by step: CONTRIBUTING.md, "Adding a destination".`)
