import type { Stage } from '@sluice/core/destination'
import { isSluiceError } from '@sluice/core/destination'
import { filesystemStaging } from '@sluice/destination-filesystem'
import { describe, expect, it } from 'vitest'
import { destination } from '../src/index.ts'

// The config entry point: dlt's names, the stage a section's `staging` names, and messages that name the setting.
const URL_ = 'redshift://loader:pw-123456@cluster.example.com:5439/dev'

function context(stage?: Stage) {
  const asked: string[] = []
  return {
    asked,
    ctx: {
      pipelineName: 'p',
      stage: async (name: string) => {
        asked.push(name)
        if (!stage) throw new Error('no stage')
        return stage
      },
    },
  }
}

async function refusal(section: Record<string, unknown>): Promise<Error> {
  const error = await Promise.resolve()
    .then(() => destination.fromConfig(section, context().ctx))
    .catch((e: unknown) => e)
  expect(isSluiceError(error), String(error)).toBe(true)
  return error as Error
}

describe('redshift config entry point', () => {
  it("lists dlt's keys, secrets marked", () => {
    const keys = Object.fromEntries(destination.keys.map((k) => [k.key, k]))
    for (const k of [
      'credentials',
      'credentials.host',
      'credentials.port',
      'credentials.database',
      'credentials.username',
      'credentials.password',
      'staging',
      'staging_iam_role',
      'keep_staged_files',
    ])
      expect(keys[k], k).toBeDefined()
    expect(keys['credentials']?.secret).toBe(true)
    expect(keys['credentials.password']?.secret).toBe(true)
    expect(keys['credentials.port']?.default).toBe(5439)
  })

  it('builds the destination from a URL or the credentials table', async () => {
    const { ctx } = context()
    const fromUrl = await destination.fromConfig({ credentials: URL_ }, ctx)
    expect(fromUrl.name).toBe('redshift')
    expect(fromUrl.capabilities.mergeStrategies).toEqual(['delete-insert', 'insert-only', 'scd2'])
    const fromTable = await destination.fromConfig(
      {
        credentials: {
          host: 'cluster.example.com',
          username: 'loader',
          password: 'pw-123456',
          database: 'dev',
        },
      },
      ctx,
    )
    expect(typeof fromTable.openReader).toBe('function')
  })

  it('staging = "filesystem" takes the stage of [destination.filesystem]; COPY needs a role or its keys', async () => {
    const bucket = filesystemStaging({ bucketUrl: 's3://bucket/prefix' })
    const { ctx, asked } = context(bucket)
    const d = await destination.fromConfig(
      {
        credentials: URL_,
        staging: 'filesystem',
        staging_iam_role: 'arn:aws:iam::1:role/r',
        keep_staged_files: 'true',
      },
      ctx,
    )
    expect(d.capabilities.loadsFromStage).toBe('optional')
    expect(asked).toEqual(['filesystem'])
    await expect(
      destination.fromConfig({ credentials: URL_, staging: 'filesystem' }, context(bucket).ctx),
    ).rejects.toThrow(/DESTINATION__REDSHIFT__STAGING_IAM_ROLE/)
    const gcs = filesystemStaging({ bucketUrl: 'gs://bucket/prefix' })
    await expect(
      destination.fromConfig(
        { credentials: URL_, staging: 'filesystem', staging_iam_role: 'default' },
        context(gcs).ctx,
      ),
    ).rejects.toThrow(/COPY cannot read gs:\/\//)
  })

  it('names the setting to fix, without the password', async () => {
    expect((await refusal({})).message).toMatch(
      /credentials are missing: set DESTINATION__REDSHIFT__CREDENTIALS/,
    )
    expect((await refusal({ credentials: URL_, pool_size: '1' })).message).toMatch(
      /DESTINATION__REDSHIFT__POOL_SIZE/,
    )
    expect((await refusal({ credentials: URL_, keep_staged_files: 'yes' })).message).toMatch(
      /DESTINATION__REDSHIFT__KEEP_STAGED_FILES/,
    )
    expect((await refusal({ credentials: URL_, replace_strategy: 'staging-optimized' })).message).toMatch(
      /insert-from-staging or truncate-and-insert/,
    )
    const bad = await refusal({ credentials: 'redshift://loader:pw-123456@cluster.example.com:99999/dev' })
    expect(bad.message).not.toContain('pw-123456')
  })
})
