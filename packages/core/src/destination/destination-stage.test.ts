import { describe, expect, it } from 'vitest'
import { azureBlobLocation } from './destination-stage.ts'

describe('azureBlobLocation', () => {
  it('takes az://, azure://, abfs:// and abfss:// URLs apart, the account from the URL or the argument', () => {
    expect(azureBlobLocation('abfss://lake@acc.dfs.core.windows.net/raw/t/1.parquet')).toEqual({
      account: 'acc',
      container: 'lake',
      path: 'raw/t/1.parquet',
    })
    expect(azureBlobLocation('az://lake/raw/x.jsonl.gz', 'acc2')).toEqual({
      account: 'acc2',
      container: 'lake',
      path: 'raw/x.jsonl.gz',
    })
    expect(azureBlobLocation('azure://lake', 'a')).toEqual({ account: 'a', container: 'lake', path: '' })
    expect(azureBlobLocation('abfs://lake@other.blob.core.windows.net/p', 'ignored')?.account).toBe('other')
  })

  it('is undefined for other schemes and when no account is known', () => {
    expect(azureBlobLocation('s3://bucket/key', 'acc')).toBeUndefined()
    expect(azureBlobLocation('az://lake/p')).toBeUndefined()
  })
})
