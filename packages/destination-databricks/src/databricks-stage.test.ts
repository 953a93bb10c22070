import type { Stage } from '@sluice/core/destination'
import { describe, expect, it } from 'vitest'
import {
  bucketCredential,
  checkBucket,
  copyIntoSql,
  databricksStaging,
  databricksUrl,
  parquetTable,
  sqlString,
} from './databricks-stage.ts'

const none = { stagingCredentialsName: undefined, isStagingExternalLocation: false }

describe('COPY INTO', () => {
  it('reads one parquet file of a volume folder, forced so that a reloaded staging table takes the file again', () => {
    expect(copyIntoSql('`ds_staging`.`t`', "/Volumes/main/ds_staging/_sluice_staging/a'b.parquet")).toBe(
      "COPY INTO `ds_staging`.`t` FROM '/Volumes/main/ds_staging/_sluice_staging' FILEFORMAT = PARQUET FILES = ('a\\'b.parquet') COPY_OPTIONS ('force' = 'true')",
    )
    expect(sqlString('a\\b')).toBe("'a\\\\b'")
  })

  it('reads a staging bucket with a named credential, as an external location, or with inline s3 keys', () => {
    const url = 's3://bucket/pre/ds/t/1.parquet'
    expect(bucketCredential(url, { ...none, stagingCredentialsName: 'reader' }, undefined)).toBe('`reader`')
    expect(
      bucketCredential(url, { ...none, isStagingExternalLocation: true }, { awsAccessKeyId: 'k' }),
    ).toBeUndefined()
    const inline = bucketCredential(url, none, {
      awsAccessKeyId: 'AK',
      awsSecretAccessKey: 'S',
      sessionToken: 'T',
    })
    expect(copyIntoSql('`s`.`t`', url, inline)).toBe(
      "COPY INTO `s`.`t` FROM 's3://bucket/pre/ds/t' WITH (CREDENTIAL (AWS_ACCESS_KEY = 'AK', AWS_SECRET_KEY = 'S', AWS_SESSION_TOKEN = 'T')) FILEFORMAT = PARQUET FILES = ('1.parquet') COPY_OPTIONS ('force' = 'true')",
    )
    expect(() =>
      bucketCredential('gs://bucket/x', none, { awsAccessKeyId: 'AK', awsSecretAccessKey: 'S' }),
    ).toThrow(/staging_credentials_name/)
  })

  it('reads an Azure stage by its abfss:// URL, with a SAS token inline', () => {
    const keys = { azureStorageAccountName: 'lakeacc', azureStorageSasToken: '?sv=1&sig=abc' }
    const url = 'az://stage/pre/ds/t/1.parquet'
    expect(databricksUrl(url, keys)).toBe('abfss://stage@lakeacc.dfs.core.windows.net/pre/ds/t/1.parquet')
    expect(databricksUrl('s3://b/k', keys)).toBe('s3://b/k')
    expect(copyIntoSql('`s`.`t`', databricksUrl(url, keys), bucketCredential(url, none, keys))).toBe(
      "COPY INTO `s`.`t` FROM 'abfss://stage@lakeacc.dfs.core.windows.net/pre/ds/t' WITH (CREDENTIAL (AZURE_SAS_TOKEN = 'sv=1&sig=abc')) FILEFORMAT = PARQUET FILES = ('1.parquet') COPY_OPTIONS ('force' = 'true')",
    )
    // no account for an az:// URL, or no token: a named credential or an external location is needed
    expect(() => bucketCredential(url, none, { azureStorageSasToken: 's' })).toThrow(
      /azure_storage_sas_token/,
    )
    expect(() =>
      bucketCredential('abfss://c@a.dfs.core.windows.net/p', none, { awsAccessKeyId: 'k' }),
    ).toThrow(/staging_credentials_name/)
  })

  it('refuses buckets COPY INTO cannot read', () => {
    const stage = (rootUrl: string): Stage => ({
      rootUrl,
      stageJob: async () => ({ url: '', key: '', format: 'parquet', gzip: false, rows: 0 }),
      remove: async () => {},
      close: async () => {},
    })
    expect(() => checkBucket(none)(stage('file:///tmp/x'))).toThrow(/s3:\/\/, gs:\/\/ or abfss:\/\//)
    expect(() => checkBucket({ ...none, stagingCredentialsName: 'c' })(stage('gs://b/p'))).not.toThrow()
  })
})

describe('staged files', () => {
  it('are parquet with time as text and without the scd2 validity columns', async () => {
    expect(
      parquetTable('t', [
        { name: 'at', dataType: 'time' },
        { name: 'n', dataType: 'bigint' },
        { name: '_sluice_valid_to', dataType: 'timestamp' },
      ]).columns,
    ).toEqual([
      { name: 'at', dataType: 'text' },
      { name: 'n', dataType: 'bigint' },
    ])
    const asked: unknown[] = []
    const bucket: Stage = {
      rootUrl: 's3://b',
      stageJob: async (job, options) => {
        asked.push([job.table.columns, options])
        return { url: 's3://b/x', key: 'x', format: 'parquet', gzip: false, rows: 1 }
      },
      remove: async () => {},
      close: async () => {},
    }
    await databricksStaging(bucket).stageJob(
      {
        loadId: '1',
        jobId: 't.1',
        file: '/tmp/t.jsonl',
        format: 'jsonl',
        rows: 1,
        table: { name: 't', writeDisposition: 'append', columns: [{ name: 'at', dataType: 'time' }] },
      },
      { dataset: 'ds', format: 'jsonl' },
    )
    expect(asked).toEqual([[[{ name: 'at', dataType: 'text' }], { dataset: 'ds', format: 'parquet' }]])
  })
})
