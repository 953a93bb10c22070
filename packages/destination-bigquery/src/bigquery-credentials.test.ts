import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { destination } from './bigquery-config.ts'
import { bigqueryLocation, parseBigQueryOptions } from './bigquery-credentials.ts'

const key = {
  type: 'service_account',
  project_id: 'proj-from-key',
  client_email: 'loader@proj-from-key.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n',
}

describe('parseBigQueryOptions', () => {
  it("reads dlt's [destination.bigquery.credentials] table; the project comes from the key", () => {
    const p = parseBigQueryOptions({ credentials: key, location: 'EU' })
    expect(p.projectId).toBe('proj-from-key')
    expect(p.location).toBe('EU')
    expect(p.key?.client_email).toBe(key.client_email)
    expect(p.key?.private_key).toBe('-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n')
    expect(bigqueryLocation(p)).toBe('bigquery://proj-from-key?location=EU')
  })

  it('reads the key as JSON text or from a file path; project_id on top wins; location defaults to US', async () => {
    expect(parseBigQueryOptions({ credentials: JSON.stringify(key) }).key?.client_email).toBe(
      key.client_email,
    )
    const dir = await mkdtemp(join(tmpdir(), 'sluice-bq-key-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'sa.json')
    await writeFile(file, JSON.stringify(key))
    const p = parseBigQueryOptions({ credentials: file, project_id: 'other' })
    expect(p.projectId).toBe('other')
    expect(p.location).toBe('US')
    expect(parseBigQueryOptions({ keyFilename: file }).projectId).toBe('proj-from-key')
  })

  it('accepts an access token or an auth client instead of a key', () => {
    expect(parseBigQueryOptions({ project_id: 'p', credentials: { access_token: 'tok' } }).accessToken).toBe(
      'tok',
    )
    const authClient = { fake: true }
    expect(parseBigQueryOptions({ projectId: 'p', authClient }).authClient).toBe(authClient)
  })

  it('names what is missing and never echoes the private key', () => {
    expect(() => parseBigQueryOptions({})).toThrow(/project_id is missing/)
    expect(() => parseBigQueryOptions({ credentials: { ...key, client_email: '' } })).toThrow(
      /client_email is missing/,
    )
    expect(() => parseBigQueryOptions({ credentials: '/no/such/file.json' })).toThrow(
      /cannot read the service-account file/,
    )
    expect(() => parseBigQueryOptions({ credentials: '{not json' })).toThrow(/does not parse/)
    let message = ''
    try {
      parseBigQueryOptions({ credentials: { ...key, project_id: '' } })
    } catch (e) {
      message = String((e as Error).message)
    }
    expect(message).toMatch(/project_id is missing/)
    expect(message).not.toContain('MIIE')
  })

  it('the documented config keys, nested by their dots, make a valid section', async () => {
    const keys = destination.keys.map((k) => k.key)
    const env: Record<string, string> = {
      'credentials.project_id': 'p1',
      'credentials.client_email': key.client_email,
      'credentials.private_key': key.private_key,
      location: 'EU',
      api_endpoint: 'http://127.0.0.1:1',
    }
    const section: Record<string, unknown> = {}
    for (const k of keys) {
      const value = env[k]
      if (value === undefined) continue
      const parts = k.split('.')
      let at = section
      for (const p of parts.slice(0, -1)) {
        at[p] ??= {}
        at = at[p] as Record<string, unknown>
      }
      at[parts.at(-1) as string] = value
    }
    expect(Object.keys(env).every((k) => keys.includes(k))).toBe(true)
    expect(parseBigQueryOptions(section)).toMatchObject({
      projectId: 'p1',
      location: 'EU',
      apiEndpoint: 'http://127.0.0.1:1',
    })
    const stage = () => Promise.reject(new Error('no staging configured'))
    expect((await destination.fromConfig(section, { pipelineName: 'p', stage })).name).toBe('bigquery')
  })
})

describe('the settings a pipeline records (publicConfig)', () => {
  it('are the project, location, endpoint and load settings, never the key', async () => {
    const dest = await destination.fromConfig(
      { credentials: key, location: 'EU', api_endpoint: 'http://127.0.0.1:9050' },
      { pipelineName: 'p', stage: () => Promise.reject(new Error('unused')) },
    )
    const recorded = dest.publicConfig?.({ pipelineName: 'p' })
    expect(recorded).toEqual({
      project_id: 'proj-from-key',
      location: 'EU',
      api_endpoint: 'http://127.0.0.1:9050',
      parallel_jobs: 4,
      replace_strategy: 'insert-from-staging',
      keep_staged_files: false,
    })
    expect(JSON.stringify(recorded)).not.toContain('PRIVATE KEY')
  })
})
