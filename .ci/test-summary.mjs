#!/usr/bin/env node
// Sums the test results of every package from the logs turbo keeps (<package>/.turbo/turbo-test.log: vitest's
// "Tests  N failed | N passed | N skipped" line, deno's "ok | N passed | N failed") and prints one closing line
// "N passed, N failed, N skipped". Exits 1 when a package has no result line (its tests did not run).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const ANSI = /\x1b\[[0-9;]*m/g
const totals = { passed: 0, failed: 0, skipped: 0 }
let missing = 0
for (const base of ['packages', 'apps', 'templates']) {
  for (const name of readdirSync(join(root, base)).sort()) {
    const pkg = join(root, base, name, 'package.json')
    if (!existsSync(pkg) || !JSON.parse(readFileSync(pkg, 'utf8')).scripts?.test) continue
    const log = join(root, base, name, '.turbo', 'turbo-test.log')
    const text = existsSync(log) ? readFileSync(log, 'utf8').replace(ANSI, '') : ''
    const line = text
      .split('\n')
      .reverse()
      .find((l) => /^\s*Tests\s+.*\(\d+\)/.test(l) || /\|\s*\d+ passed\s*\|\s*\d+ failed/.test(l))
    if (!line) {
      console.log(`[summary] ${base}/${name}: no test result found`)
      missing++
      continue
    }
    const count = (word) => Number(line.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0)
    const r = { passed: count('passed'), failed: count('failed'), skipped: count('skipped') }
    for (const k of Object.keys(totals)) totals[k] += r[k]
    console.log(`[summary] ${base}/${name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`)
  }
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
if (missing > 0 || totals.failed > 0) process.exit(1)
