#!/usr/bin/env node
// tsc rewrites relative `.ts` import specifiers to `.js` in emitted JavaScript but not in declaration files
// (microsoft/TypeScript#61037). Published .d.ts files must point at files that exist in dist/, so this rewrites
// `'./x.ts'` to `'./x.js'` in every .d.ts under the given folder. Usage: node fix-dts-extensions.mjs dist
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const SPECIFIER = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.ts(['"])/g
const dir = process.argv[2] ?? 'dist'
for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue
  const file = join(entry.parentPath, entry.name)
  const text = readFileSync(file, 'utf8')
  const fixed = text.replace(SPECIFIER, '$1$2.js$3')
  if (fixed !== text) writeFileSync(file, fixed)
}
