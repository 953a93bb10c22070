import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DESTINATION_PACKAGES, loadConfig } from '@sluice/core/node'
import { afterAll, describe, expect, test } from 'vitest'
import { destinationPackage, targetOf } from './cli-destinations.ts'
import { destinationSection, initTemplates } from './cli-init.ts'

const cwd = await mkdtemp(join(tmpdir(), 'sluice-cli-dest-'))
afterAll(() => rm(cwd, { recursive: true, force: true }))
const resolveAt = async (dir: string, name: string, env: Record<string, string>) => {
  const config = await loadConfig({ cwd: dir, env })
  const target = await targetOf({
    pipelineName: 'p',
    destination: name,
    dataset: undefined,
    record: undefined,
    config,
    cwd: dir,
  })
  return target.destination
}
const resolveWith = (name: string, env: Record<string, string>) => resolveAt(cwd, name, env)

describe('the destination registry', () => {
  test('maps each name to a package whose config entry point has that name and documents its keys', async () => {
    for (const name of Object.keys(DESTINATION_PACKAGES)) {
      const pkg = await destinationPackage(name)
      expect(pkg.name).toBe(name)
      expect(pkg.keys.length).toBeGreaterThan(0)
      for (const key of pkg.keys) expect(key.description, `${name}.${key.key}`).not.toBe('')
    }
    await expect(destinationPackage('oracle')).rejects.toThrow(
      /unknown destination "oracle": use one of duckdb/,
    )
  })

  test('sluice init lists every key of every package, secrets in secrets.toml only', async () => {
    const { config, secrets } = await initTemplates()
    for (const name of Object.keys(DESTINATION_PACKAGES)) {
      const pkg = await destinationPackage(name)
      for (const key of pkg.keys) {
        const leaf = key.key.split('.').at(-1)
        expect(key.secret ? secrets : config, `${name}.${key.key}`).toMatch(new RegExp(`^# ${leaf} = `, 'm'))
      }
    }
    expect(config).toContain('# credentials = "clockodo_pipeline.duckdb"')
    expect(secrets).toContain(
      '[destination.postgres]\n# credentials = "postgresql://loader:password@localhost:5432/analytics"',
    )
    expect(secrets).toContain('[destination.filesystem.credentials]\n# aws_access_key_id = ""')
    expect(config).not.toMatch(/private_key = |password = |aws_secret_access_key = /)
    // a table that is an alternative to a key of the same name is commented: TOML allows one or the other
    expect(secrets).toContain('# [destination.snowflake.credentials]')
    const { parse } = await import('smol-toml')
    expect(() => parse(config)).not.toThrow()
    expect(() => parse(secrets)).not.toThrow()
  })

  test('a package without secret keys adds nothing to secrets.toml', () => {
    const pkg = { name: 'x', keys: [{ key: 'path', description: 'p' }], fromConfig: () => ({}) as never }
    expect(destinationSection(pkg, true)).toBe('')
    expect(destinationSection(pkg, false)).toBe('\n[destination.x]\n# path = ""   # p\n')
  })
})

describe('resolveDestination', () => {
  test('duckdb threads and load_threads must be positive integers', async () => {
    const ok = await resolveWith('duckdb', {
      DESTINATION__DUCKDB__THREADS: '2',
      DESTINATION__DUCKDB__LOAD_THREADS: '1',
    })
    expect(ok.name).toBe('duckdb')
    await expect(resolveWith('duckdb', { DESTINATION__DUCKDB__LOAD_THREADS: '0' })).rejects.toThrow(
      'destination.duckdb.load_threads must be a positive integer',
    )
    await expect(resolveWith('duckdb', { DESTINATION__DUCKDB__THREADS: 'many' })).rejects.toThrow(
      'destination.duckdb.threads must be a positive integer',
    )
  })

  test('duckdb memory_limit and load_memory_limit must be sizes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-cli-dest-size-'))
    try {
      await mkdir(join(dir, '.sluice'))
      const config = join(dir, '.sluice', 'config.toml')
      for (const key of ['memory_limit', 'load_memory_limit']) {
        await writeFile(config, `[destination.duckdb]\n${key} = 64\n`)
        await expect(resolveAt(dir, 'duckdb', {})).rejects.toThrow(
          `destination.duckdb.${key} must be a size such as '512MB' or '2GB'`,
        )
      }
      await writeFile(config, `[destination.duckdb]\nmemory_limit = "1GB"\nload_memory_limit = "64MB"\n`)
      expect((await resolveAt(dir, 'duckdb', {})).name).toBe('duckdb')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('warehouse settings come key by key from environment variables', async () => {
    const bq = await resolveWith('bigquery', {
      DESTINATION__BIGQUERY__PROJECT_ID: 'proj-1',
      DESTINATION__BIGQUERY__CREDENTIALS__ACCESS_TOKEN: 'tok-123456',
    })
    expect(bq.name).toBe('bigquery')
    const sf = await resolveWith('snowflake', {
      DESTINATION__SNOWFLAKE__CREDENTIALS: 'snowflake://loader:pw-9999@acct/analytics?warehouse=w',
    })
    expect(sf.name).toBe('snowflake')
  })

  test('missing warehouse settings name the variables to set', async () => {
    await expect(resolveWith('bigquery', {})).rejects.toThrow(
      /DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID/,
    )
    await expect(resolveWith('snowflake', {})).rejects.toThrow(/DESTINATION__SNOWFLAKE__CREDENTIALS__/)
  })

  test('staging = "filesystem" needs the filesystem bucket', async () => {
    await expect(
      resolveWith('bigquery', {
        DESTINATION__BIGQUERY__PROJECT_ID: 'proj-1',
        DESTINATION__BIGQUERY__CREDENTIALS__ACCESS_TOKEN: 'tok-123456',
        DESTINATION__BIGQUERY__STAGING: 'filesystem',
      }),
    ).rejects.toThrow(/staging bucket of bigquery.*DESTINATION__FILESYSTEM__BUCKET_URL/)
  })

  test('staging = "filesystem" builds the stage from [destination.filesystem] and hands it over', async () => {
    const bq = {
      DESTINATION__BIGQUERY__PROJECT_ID: 'proj-1',
      DESTINATION__BIGQUERY__CREDENTIALS__ACCESS_TOKEN: 'tok-123456',
      DESTINATION__BIGQUERY__STAGING: 'filesystem',
    }
    await expect(
      resolveWith('bigquery', { ...bq, DESTINATION__FILESYSTEM__BUCKET_URL: 's3://bucket-1/x' }),
    ).rejects.toThrow(/load jobs cannot read s3:\/\/ staging files/)
    const ok = await resolveWith('bigquery', {
      ...bq,
      DESTINATION__FILESYSTEM__BUCKET_URL: 'gs://bucket-1/x',
    })
    expect(ok.name).toBe('bigquery')
    // what a package's fromConfig gets from ctx.stage(): the filesystem package's stage, with the bucket's keys
    await writeFile(
      join(cwd, 'staged.mjs'),
      [
        'export const destination = {',
        "  name: 'wh', keys: [],",
        '  fromConfig: async (section, ctx) => {',
        '    const stage = await ctx.stage(section.staging)',
        "    return { name: [stage.rootUrl, stage.credentials.awsAccessKeyId].join(' '), capabilities: {}, createClient: async () => { throw new Error('unused') } }",
        '  },',
        '}',
        '',
      ].join('\n'),
    )
    const staged = await resolveWith('./staged.mjs', {
      DESTINATION__WH__STAGING: 'filesystem',
      DESTINATION__FILESYSTEM__BUCKET_URL: 's3://bucket-1/x',
      DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID: 'AK1',
      DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY: 'SK1',
    })
    expect(staged.name).toBe('s3://bucket-1/x AK1')
    await expect(resolveWith('./staged.mjs', { DESTINATION__WH__STAGING: 'duckdb' })).rejects.toThrow(
      'destination "duckdb" cannot be the staging bucket of wh',
    )
  })

  test('postgres and filesystem say which setting is missing', async () => {
    await expect(resolveWith('postgres', {})).rejects.toThrow(/DESTINATION__POSTGRES__CREDENTIALS/)
    await expect(resolveWith('filesystem', {})).rejects.toThrow(/DESTINATION__FILESYSTEM__BUCKET_URL/)
  })

  test("a module path may export a config entry point, which gets the module's section", async () => {
    const file = join(cwd, 'entry-point.mjs')
    await writeFile(
      file,
      [
        'export const destination = {',
        "  name: 'mine', keys: [{ key: 'url', description: 'the URL of mine', required: true }],",
        "  fromConfig: (section, ctx) => ({ name: ['mine', section.url, ctx.pipelineName].join(' '), capabilities: {}, createClient: async () => { throw new Error('unused') } }),",
        '}',
        '',
      ].join('\n'),
    )
    expect((await resolveWith('./entry-point.mjs', { DESTINATION__MINE__URL: 'u1' })).name).toBe('mine u1 p')
    await expect(resolveWith('./entry-point.mjs', {})).rejects.toThrow(
      'missing the URL of mine: set DESTINATION__MINE__URL, or url under [destination.mine] in .sluice/config.toml',
    )
  })

  test('a module path loads its default export', async () => {
    const file = join(cwd, 'my-destination.mjs')
    await writeFile(
      file,
      "export default (config) => ({ name: 'mine', capabilities: {}, createClient: async () => { throw new Error('unused') } })\n",
    )
    expect((await resolveWith('./my-destination.mjs', {})).name).toBe('mine')
    await writeFile(join(cwd, 'bad.mjs'), 'export default 42\n')
    await expect(resolveWith('./bad.mjs', {})).rejects.toThrow(/must default-export a Destination/)
  })
})

describe('targetOf: flags, then the pipeline record, then duckdb and clockodo_data', () => {
  const record = {
    name: 'duckdb',
    location: '/data/elsewhere/clockodo.duckdb',
    config: { credentials: '/data/elsewhere/clockodo.duckdb', threads: 2 },
    datasetName: 'shop_dataset',
    updatedAt: '2026-01-01T00:00:00.000Z',
  }
  const target = async (
    flags: { destination?: string; dataset?: string },
    env: Record<string, string> = {},
  ) => {
    const config = await loadConfig({ cwd, env })
    const t = await targetOf({
      pipelineName: 'shop',
      destination: flags.destination,
      dataset: flags.dataset,
      record,
      config,
      cwd,
    })
    return {
      name: t.destination.name,
      dataset: t.datasetName,
      config: t.destination.publicConfig?.({ pipelineName: 'shop' }),
    }
  }

  test('without a record: duckdb in the working directory and clockodo_data', async () => {
    const config = await loadConfig({ cwd, env: {} })
    const t = await targetOf({
      pipelineName: 'shop',
      destination: undefined,
      dataset: undefined,
      record: undefined,
      config,
      cwd,
    })
    expect([t.destination.name, t.datasetName]).toEqual(['duckdb', 'clockodo_data'])
    expect(t.destination.publicConfig?.({ pipelineName: 'shop' })).toEqual({
      credentials: join(process.cwd(), 'shop.duckdb'),
    })
  })

  test('the recorded destination, settings and dataset; settings given now win; --dataset wins', async () => {
    expect(await target({})).toEqual({ name: 'duckdb', dataset: 'shop_dataset', config: record.config })
    expect((await target({}, { DESTINATION__DUCKDB__THREADS: '3' })).config).toEqual({
      ...record.config,
      threads: 3,
    })
    expect((await target({ dataset: 'other' })).dataset).toBe('other')
  })

  test('--destination of another destination leaves the record out', async () => {
    await expect(target({ destination: 'postgres' })).rejects.toThrow(/DESTINATION__POSTGRES__CREDENTIALS/)
    const fs = await target(
      { destination: 'filesystem' },
      { DESTINATION__FILESYSTEM__BUCKET_URL: '/tmp/lake-x' },
    )
    expect([fs.name, fs.dataset]).toEqual(['filesystem', 'clockodo_data'])
  })
})
