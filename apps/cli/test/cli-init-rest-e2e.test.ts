import { execFileSync, spawn } from 'node:child_process'
import { mkdir, readdir, readFile, realpath, stat, symlink } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { duckdbQuery, runCli, tempDir } from './cli-helpers.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

async function tree(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1))
  }
  return out.sort()
}

describe('sluice init', () => {
  it('writes .sluice/.gitignore so that the secrets stay out of git', async () => {
    const cwd = await tempDir('sluice-init-ignore-')
    const r = await runCli(['init'], { cwd })
    expect(r.code, r.stderr).toBe(0)
    expect(await readFile(join(cwd, '.sluice', '.gitignore'), 'utf8')).toBe('secrets.toml\n*.secrets.toml\n')
  })

  it('--source rest_api NAME scaffolds a TypeScript project that builds and loads a local API', async () => {
    const cwd = await tempDir('sluice-init-rest-')
    const r = await runCli(['init', '--source', 'rest_api', 'demo_api'], { cwd })
    expect(r.code, r.stderr).toBe(0)
    const dir = join(cwd, 'demo_api')
    expect(await tree(dir)).toEqual([
      '.gitignore',
      '.sluice/.gitignore',
      '.sluice/config.toml',
      '.sluice/secrets.toml',
      'package.json',
      'pipeline.ts',
      'tsconfig.json',
    ])
    const cliVersion = JSON.parse(await readFile(join(ROOT, 'apps', 'cli', 'package.json'), 'utf8')).version
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
    expect(pkg.dependencies['@sluice/core']).toBe(`^${cliVersion}`)
    expect(pkg.devDependencies.sluice).toBe(`^${cliVersion}`)
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toContain('.sluice/secrets.toml\n')
    expect((await stat(join(dir, '.sluice', 'secrets.toml'))).mode & 0o077).toBe(0)
    expect(await readFile(join(dir, 'pipeline.ts'), 'utf8')).toContain("restApiSource({\n  name: 'demo_api',")
    const twice = await runCli(['init', '--source', 'rest_api', 'demo_api'], { cwd })
    expect(twice.code).toBe(2)
    expect(twice.stderr).toMatch(/exists: choose another NAME/)

    // install: the workspace's built packages linked into node_modules, as `pnpm link` would
    const links: Record<string, string> = {
      '@sluice/core': join(ROOT, 'packages', 'core'),
      '@sluice/destination-duckdb': join(ROOT, 'packages', 'destination-duckdb'),
      '@duckdb/node-api': await realpath(
        join(ROOT, 'packages', 'destination-duckdb', 'node_modules', '@duckdb', 'node-api'),
      ),
      '@types/node': await realpath(join(ROOT, 'node_modules', '@types', 'node')),
    }
    for (const [name, target] of Object.entries(links)) {
      await mkdir(dirname(join(dir, 'node_modules', name)), { recursive: true })
      await symlink(target, join(dir, 'node_modules', name), 'dir')
    }
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
      cwd: dir,
      stdio: 'pipe',
    })

    // a local API: two pages of items behind a bearer token
    const seen: string[] = []
    const api = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`)
      if (req.headers.authorization !== 'Bearer test-key') {
        res.writeHead(401).end()
        return
      }
      const page = Number(new URL(req.url ?? '', 'http://x').searchParams.get('page') ?? '1')
      const items =
        page === 1
          ? [
              { id: 1, name: 'one' },
              { id: 2, name: 'two' },
            ]
          : page === 2
            ? [{ id: 3, name: 'three' }]
            : []
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ data: items, page, total_pages: 2 }))
    })
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
    try {
      const port = (api.address() as AddressInfo).port
      // spawned asynchronously: this process serves the API meanwhile
      const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
        (resolve, reject) => {
          const child = spawn(process.execPath, ['dist/pipeline.js'], {
            cwd: dir,
            env: {
              PATH: process.env.PATH ?? '',
              HOME: dir,
              SOURCES__DEMO_API__BASE_URL: `http://127.0.0.1:${port}/v1/`,
              SOURCES__DEMO_API__API_KEY: 'test-key',
            },
          })
          let stdout = ''
          let stderr = ''
          child.stdout.on('data', (d: Buffer) => {
            stdout += d.toString()
          })
          child.stderr.on('data', (d: Buffer) => {
            stderr += d.toString()
          })
          child.on('error', reject)
          child.on('close', (status) => resolve({ status, stdout, stderr }))
        },
      )
      expect(run.status, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout).tables).toEqual({ items: { rows: 3 } })
      expect(seen[0]).toBe('/v1/items Bearer test-key')
      const rows = await duckdbQuery(
        join(dir, 'demo_api.duckdb'),
        'select id, name from demo_api_data.items order by id',
      )
      expect(rows).toEqual([
        [1n, 'one'],
        [2n, 'two'],
        [3n, 'three'],
      ])
    } finally {
      api.close()
    }
  })
})
