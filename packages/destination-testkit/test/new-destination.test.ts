import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

// `pnpm new:destination <name>` end to end: the generator copies templates/destination into a folder inside the
// workspace (under the git-ignored .cache/), and the copy typechecks, builds and passes the conformance suites
// with the template's dependencies (linked from templates/destination/node_modules).
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const template = join(root, 'templates', 'destination')
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
const run = promisify(execFile)
if (!existsSync(join(template, 'node_modules', '@sluice', 'core'))) {
  throw new Error('templates/destination has no node_modules: run `pnpm install` at the repository root')
}
await mkdir(join(root, '.cache'), { recursive: true })
const work = await mkdtemp(join(root, '.cache', 'new-destination-'))
afterAll(() => rm(work, { recursive: true, force: true }))

function generate(...args: string[]) {
  return run(process.execPath, [join(root, 'templates', 'new-destination.mjs'), ...args], { cwd: root })
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort()
}

describe('pnpm new:destination', () => {
  const target = join(work, 'destination-acme')

  it('copies the template under the new name, in file names and contents', async () => {
    const { stdout } = await generate('acme', '--dir', target)
    expect(stdout).toContain('wrote 15 files')
    expect(await files(target)).toEqual([
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'package.json',
      'src/acme-client.ts',
      'src/acme-config.ts',
      'src/acme-destination.ts',
      'src/acme-dialect.ts',
      'src/acme-errors.ts',
      'src/acme-reader.ts',
      'src/index.ts',
      'test/acme.test.ts',
      'tsconfig.build.json',
      'tsconfig.json',
      'vitest.config.ts',
    ])
    for (const file of await files(target)) {
      expect(await readFile(join(target, file), 'utf8'), file).not.toMatch(/mydb/i)
    }
    const pkg = JSON.parse(await readFile(join(target, 'package.json'), 'utf8'))
    expect(pkg.name).toBe('@sluice/destination-acme')
    expect(pkg.private).toBeUndefined()
    expect(pkg.peerDependencies['@sluice/core']).toBe('workspace:^')
    // what publishing needs comes along: the licence, the tarball's files, provenance, the prepack build
    expect(await readFile(join(target, 'LICENSE'), 'utf8')).toBe(
      await readFile(join(root, 'LICENSE'), 'utf8'),
    )
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'LICENSE', 'CHANGELOG.md']))
    expect(pkg.publishConfig).toEqual({ access: 'public', provenance: true })
    expect(pkg.repository.directory).toBe('packages/destination-acme')
    expect(pkg.scripts.prepack).toMatch(/\.ci\/prepack\.mjs$/)
    expect(JSON.parse(await readFile(join(target, 'tsconfig.json'), 'utf8')).extends).toBe(
      '../../../tsconfig.base.json',
    )
    expect(await readFile(join(target, 'src', 'acme-destination.ts'), 'utf8')).toContain(
      'export function acme(options: AcmeOptions): Destination',
    )
  })

  it('the copy typechecks, builds and passes the conformance suites', async () => {
    await mkdir(join(target, 'node_modules'))
    for (const entry of await readdir(join(template, 'node_modules'))) {
      if (!entry.startsWith('.'))
        await symlink(join(template, 'node_modules', entry), join(target, 'node_modules', entry))
    }
    await run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], { cwd: target })
    await run(bin('tsc'), ['-p', 'tsconfig.build.json'], { cwd: target })
    expect(existsSync(join(target, 'dist', 'index.js'))).toBe(true)
    const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? target, NO_COLOR: '1' }
    const { stdout } = await run(bin('vitest'), ['run', '--reporter=verbose'], { cwd: target, env })
    expect(stdout).toContain('acme: identifiers > spaces, quotes, unicode')
    expect(stdout).toContain('acme: merge scd2 > retires missing and changed rows')
    expect(stdout).toContain('acme: refresh > a refreshed table keeps its old rows until complete()')
    expect(stdout).toContain('acme: reader > every write fails with READ_ONLY and changes nothing')
    expect(stdout).toMatch(/Tests\s+43 passed \(43\)/)
  }, 240_000)

  it('refuses a folder that exists and a name it cannot use', async () => {
    await expect(generate('acme', '--dir', target)).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('exists already'),
    })
    for (const name of ['Acme', 'my-db', 'x', 'mydb']) {
      await expect(generate(name, '--dir', join(work, name))).rejects.toMatchObject({
        stderr: expect.stringContaining('is not a usable name'),
      })
    }
  })
})
