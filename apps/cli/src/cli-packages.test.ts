import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { importInstalled, installCommand, packageLocations } from './cli-packages.ts'

const root = mkdtempSync(join(tmpdir(), 'sluice-cli-packages-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Writes `<modules>/<name>` as a tiny ESM package exporting `where`. */
function fakePackage(modules: string, name: string, where: string): void {
  const dir = join(modules, ...name.split('/'))
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, type: 'module', exports: { '.': { default: './index.js' } } }),
  )
  writeFileSync(join(dir, 'index.js'), `export const where = ${JSON.stringify(where)}\n`)
}

/** A CLI file at `<modules>/sluice/dist/sluice-bin.js`. */
function cliIn(modules: string): string {
  const dist = join(modules, 'sluice', 'dist')
  mkdirSync(dist, { recursive: true })
  return join(dist, 'sluice-bin.js')
}

describe('where the CLI finds packages it imports on demand', () => {
  it('npm install -g: the CLI sits in <prefix>/lib/node_modules; its folder is the global one, hints say -g', () => {
    const prefix = join(root, 'global')
    const cliFile = cliIn(join(prefix, 'lib', 'node_modules'))
    const where = packageLocations({ env: {}, cliFile, execPath: '/opt/node/bin/node', platform: 'linux' })
    expect(where).toEqual({
      cliModules: join(prefix, 'lib', 'node_modules'),
      globalModules: join(prefix, 'lib', 'node_modules'),
      global: true,
    })
    expect(installCommand('@sluice/destination-postgres', where)).toBe(
      'npm install -g @sluice/destination-postgres',
    )
  })

  it("a project's node_modules is not global (a package.json beside it); the global folder comes from npm's prefix", () => {
    const project = join(root, 'project')
    const cliFile = cliIn(join(project, 'node_modules'))
    writeFileSync(join(project, 'package.json'), '{}')
    const base = { cliFile, execPath: '/opt/node/bin/node', platform: 'linux' as const }
    const byNode = packageLocations({ ...base, env: {} })
    expect(byNode).toEqual({
      cliModules: join(project, 'node_modules'),
      globalModules: join('/opt/node', 'lib', 'node_modules'),
      global: false,
    })
    expect(installCommand('@sluice/destination-postgres', byNode)).toBe(
      'npm install @sluice/destination-postgres',
    )
    expect(packageLocations({ ...base, env: { npm_config_prefix: '/p' } }).globalModules).toBe(
      join('/p', 'lib', 'node_modules'),
    )
    expect(packageLocations({ ...base, env: { PREFIX: '/q' } }).globalModules).toBe(
      join('/q', 'lib', 'node_modules'),
    )
    expect(
      packageLocations({ ...base, env: {}, platform: 'win32', execPath: 'C:/node/node.exe' }).globalModules,
    ).toBe(join('C:/node', 'node_modules'))
  })

  it('a CLI inside the global folder the environment names is global on any layout', () => {
    const prefix = join(root, 'win')
    const cliFile = cliIn(join(prefix, 'node_modules'))
    const where = packageLocations({ env: { npm_config_prefix: prefix }, cliFile, platform: 'win32' })
    expect(where.global).toBe(true)
  })

  it('imports a package from the global folder when the CLI has none beside it; undefined when nowhere', async () => {
    const prefix = join(root, 'elsewhere')
    const globalModules = join(prefix, 'lib', 'node_modules')
    fakePackage(globalModules, '@sluice/destination-nowhere-else', 'global')
    const where = { cliModules: join(root, 'project', 'node_modules'), globalModules, global: false }
    const mod = await importInstalled('@sluice/destination-nowhere-else', where)
    expect(mod?.['where']).toBe('global')
    expect(await importInstalled('@sluice/destination-not-installed', where)).toBeUndefined()
    // beside the CLI wins: the workspace links @sluice/core next to it
    fakePackage(globalModules, '@sluice/core', 'global')
    expect((await importInstalled('@sluice/core', where))?.['where']).toBeUndefined()
  })

  it('a package that is there but fails to load is an error, not "missing"', async () => {
    const globalModules = join(root, 'broken', 'lib', 'node_modules')
    fakePackage(globalModules, '@sluice/destination-broken', 'x')
    writeFileSync(
      join(globalModules, '@sluice', 'destination-broken', 'index.js'),
      "import 'a-package-nobody-has'\n",
    )
    const where = { cliModules: root, globalModules, global: false }
    await expect(importInstalled('@sluice/destination-broken', where)).rejects.toThrow(/a-package-nobody-has/)
  })
})
