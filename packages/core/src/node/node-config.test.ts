import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, onTestFinished, test } from 'vitest'
import { envName } from '../config/config-resolve.ts'
import { loadConfig } from './node-config.ts'

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-config-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  await mkdir(join(dir, '.sluice'))
  for (const [name, text] of Object.entries(files))
    await writeFile(join(dir, '.sluice', name), text, { mode: 0o600 })
  return dir
}

describe('loadConfig', () => {
  test('environment wins over secrets.toml, which wins over config.toml', async () => {
    const dir = await project({
      'secrets.toml': '[sources.clockodo]\napi_key = "from-secrets"\napi_user = "secrets@example.com"\n',
      'config.toml': '[sources.clockodo]\napi_user = "config@example.com"\nbase_url = "http://config"\n',
    })
    const config = await loadConfig({ cwd: dir, env: { SOURCES__CLOCKODO__API_KEY: 'from-env' } })
    expect(config.get('sources.clockodo.api_key')).toBe('from-env')
    expect(config.get('sources.clockodo.api_user')).toBe('secrets@example.com')
    expect(config.get('sources.clockodo.base_url')).toBe('http://config')
    expect(config.get('sources.clockodo.missing')).toBeUndefined()
    expect(config.secrets).toContain('from-secrets')
    expect(config.secrets).toContain('from-env')
  })

  test('a section merges config.toml, secrets.toml and environment variables key by key', async () => {
    const dir = await project({
      'config.toml':
        '[destination.wh]\nlocation = "EU"\nparallel_jobs = 2\n[destination.wh.credentials]\nproject_id = "p-config"\n',
      'secrets.toml': '[destination.wh.credentials]\nprivate_key = "pk-secret"\nproject_id = "p-secrets"\n',
    })
    const config = await loadConfig({
      cwd: dir,
      env: {
        DESTINATION__WH__CREDENTIALS__CLIENT_EMAIL: 'me@example.com',
        DESTINATION__WH__PARALLEL_JOBS: '8',
        DESTINATION__WH__STAGING: '',
        DESTINATION__OTHER__LOCATION: 'US',
      },
    })
    expect(config.section('destination.wh')).toEqual({
      location: 'EU',
      parallel_jobs: '8',
      credentials: { project_id: 'p-secrets', private_key: 'pk-secret', client_email: 'me@example.com' },
    })
    expect(config.section('destination.none')).toEqual({})
  })

  test('names the variable and the TOML key to set', async () => {
    const config = await loadConfig({ cwd: await project({}), env: {} })
    expect(envName('sources.clockodo.api_key')).toBe('SOURCES__CLOCKODO__API_KEY')
    expect(config.whereToSet('sources.clockodo.api_key')).toBe(
      'SOURCES__CLOCKODO__API_KEY, or api_key under [sources.clockodo] in .sluice/secrets.toml',
    )
  })

  test('unreadable TOML gets a message with the file and line', async () => {
    const dir = await project({ 'config.toml': '[sources.clockodo]\nbase_url = \n' })
    await expect(loadConfig({ cwd: dir, env: {} })).rejects.toThrow(
      /config\.toml is not valid TOML.*sluice init/,
    )
  })

  test('warns about a world-readable secrets file', async () => {
    const dir = await project({ 'secrets.toml': '[sources.clockodo]\napi_key = "k-123456"\n' })
    await chmod(join(dir, '.sluice', 'secrets.toml'), 0o644)
    const config = await loadConfig({ cwd: dir, env: {} })
    expect(config.warnings.join('\n')).toMatch(/readable by every user.*chmod 600/)
    await chmod(join(dir, '.sluice', 'secrets.toml'), 0o600)
    expect((await loadConfig({ cwd: dir, env: {} })).warnings).toEqual([])
  })
})
