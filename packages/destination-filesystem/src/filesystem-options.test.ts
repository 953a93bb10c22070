import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isSluiceError } from '@sluice/core/destination'
import { describe, expect, it } from 'vitest'
import { filesystem } from './filesystem-destination.ts'
import { parseBucketUrl, parseFilesystemConfig } from './filesystem-options.ts'

function error(fn: () => unknown): Error {
  try {
    fn()
  } catch (e) {
    return e as Error
  }
  throw new Error('expected an error')
}

describe('parseFilesystemConfig', () => {
  it('accepts dlt-style keys, as the CLI passes them', () => {
    expect(
      parseFilesystemConfig({
        bucket_url: 's3://my-bucket/lake',
        format: 'parquet',
        layout: undefined,
        credentials: {
          aws_access_key_id: 'AKIA1',
          aws_secret_access_key: 'secret-1',
          endpoint_url: 'http://127.0.0.1:9000',
          region_name: 'eu-central-1',
        },
      }),
    ).toEqual({
      bucketUrl: 's3://my-bucket/lake',
      format: 'parquet',
      credentials: {
        awsAccessKeyId: 'AKIA1',
        awsSecretAccessKey: 'secret-1',
        endpointUrl: 'http://127.0.0.1:9000',
        region: 'eu-central-1',
      },
    })
  })

  it('a plain folder with empty credentials gives just the bucket URL', () => {
    expect(parseFilesystemConfig({ bucket_url: './data', credentials: {} })).toEqual({ bucketUrl: './data' })
    expect(parseFilesystemConfig({ bucketUrl: '/abs', compression: 'gzip' })).toEqual({
      bucketUrl: '/abs',
      compression: 'gzip',
    })
  })

  it('a missing bucket URL names the environment variable and the TOML section', () => {
    const e = error(() => parseFilesystemConfig({ format: 'jsonl' }))
    expect(isSluiceError(e, 'CONFIG_MISSING')).toBe(true)
    expect(e.message).toContain('DESTINATION__FILESYSTEM__BUCKET_URL')
    expect(e.message).toContain('[destination.filesystem]')
  })

  it('rejects unknown formats, compressions, schemes and half credentials without echoing secrets', () => {
    expect(error(() => parseFilesystemConfig({ bucket_url: '/x', format: 'avro' })).message).toMatch(
      /jsonl, parquet, csv/,
    )
    expect(error(() => parseFilesystemConfig({ bucket_url: '/x', compression: 'zstd' })).message).toMatch(
      /gzip or none/,
    )
    expect(error(() => parseFilesystemConfig({ bucket_url: 'hdfs://c/x' })).message).toMatch(
      /hdfs:\/\/ is not supported/,
    )
    const half = error(() =>
      parseFilesystemConfig({
        bucket_url: 's3://bucket',
        credentials: { aws_secret_access_key: 'top-secret-xyz' },
      }),
    )
    expect(half.message).toMatch(/AWS_ACCESS_KEY_ID/)
    expect(half.message).not.toContain('top-secret-xyz')
    expect(error(() => parseFilesystemConfig({ bucket_url: '/x', layout: '{table}.{ext}' })).message).toMatch(
      /DESTINATION__FILESYSTEM__LAYOUT/,
    )
  })
})

describe('parseBucketUrl', () => {
  it('splits local paths, file URLs, s3 and gs URLs', () => {
    expect(parseBucketUrl('file:///var/lake')).toEqual({ kind: 'local', path: '/var/lake' })
    expect(parseBucketUrl('rel/dir')).toEqual({ kind: 'local', path: 'rel/dir' })
    expect(parseBucketUrl('s3://bucket/a/b/')).toEqual({
      kind: 's3',
      scheme: 's3',
      bucket: 'bucket',
      prefix: 'a/b',
    })
    expect(parseBucketUrl('s3://bucket')).toEqual({ kind: 's3', scheme: 's3', bucket: 'bucket', prefix: '' })
    expect(parseBucketUrl('gs://bucket/p')).toEqual({
      kind: 's3',
      scheme: 'gs',
      bucket: 'bucket',
      prefix: 'p',
    })
  })
  it('rejects short bucket names and dot segments in the prefix', () => {
    expect(() => parseBucketUrl('s3://ab/x')).toThrow(/3 to 63/)
    expect(() => parseBucketUrl('s3://bucket/../x')).toThrow(/"\.\."/)
  })
})

describe('conversion_threads', () => {
  it('takes a whole number from 0 to 64, from the config section or the options', () => {
    expect(parseFilesystemConfig({ bucket_url: '/x', conversion_threads: '2' }).conversionThreads).toBe(2)
    expect(parseFilesystemConfig({ bucket_url: '/x', conversion_threads: 0 }).conversionThreads).toBe(0)
    expect(parseFilesystemConfig({ bucket_url: '/x' }).conversionThreads).toBeUndefined()
    for (const bad of ['two', '-1', '65', '1.5'])
      expect(() => parseFilesystemConfig({ bucket_url: '/x', conversion_threads: bad })).toThrow(
        /conversion_threads must be 0 to 64.*DESTINATION__FILESYSTEM__CONVERSION_THREADS/,
      )
    expect(() => filesystem({ bucketUrl: '/x', conversionThreads: -1 })).toThrow(
      /conversion_threads must be 0 to 64/,
    )
  })
})

describe('the settings a pipeline records (publicConfig)', () => {
  it('a local folder as an absolute file URL; S3 keys never, the endpoint and region yes', () => {
    const local = filesystem({ bucketUrl: 'lake/files', format: 'parquet' })
    expect(local.publicConfig?.({ pipelineName: 'p' })).toEqual({
      bucket_url: pathToFileURL(resolve('lake/files')).href,
      format: 'parquet',
    })
    const s3 = filesystem(
      parseFilesystemConfig({
        bucket_url: 's3://bucket-1/prefix',
        credentials: {
          aws_access_key_id: 'AKID-1234',
          aws_secret_access_key: 'SECRET-5678',
          endpoint_url: 'http://127.0.0.1:9000',
          region: 'eu-central-1',
        },
      }),
    )
    const recorded = s3.publicConfig?.({ pipelineName: 'p' })
    expect(recorded).toEqual({
      bucket_url: 's3://bucket-1/prefix',
      credentials: { endpoint_url: 'http://127.0.0.1:9000', region: 'eu-central-1' },
    })
    expect(JSON.stringify(recorded)).not.toMatch(/AKID|SECRET/)
  })
})
