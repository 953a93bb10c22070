import { describe, expect, it } from 'vitest'
import { copySql, redactCopy, redshiftLiteral } from './redshift-copy.ts'

const base = {
  table: '"ds_staging"."entries"',
  columns: ['"id"', '"at"', '"_sluice_id"'],
  url: 's3://bucket/prefix/ds/entries/1700000000.1.1.jsonl.gz',
  gzip: true,
}

describe('copySql', () => {
  it('with an IAM role', () => {
    expect(copySql({ ...base, auth: { iamRole: 'arn:aws:iam::123456789012:role/loader' } })).toBe(
      `COPY "ds_staging"."entries" ("id", "at", "_sluice_id") FROM 's3://bucket/prefix/ds/entries/1700000000.1.1.jsonl.gz' IAM_ROLE 'arn:aws:iam::123456789012:role/loader' FORMAT AS JSON 'auto ignorecase' GZIP TIMEFORMAT 'auto' DATEFORMAT 'auto' MAXERROR 0`,
    )
    expect(copySql({ ...base, gzip: false, auth: { iamRole: 'default' }, region: 'us-west-2' })).toBe(
      `COPY "ds_staging"."entries" ("id", "at", "_sluice_id") FROM 's3://bucket/prefix/ds/entries/1700000000.1.1.jsonl.gz' IAM_ROLE default FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' DATEFORMAT 'auto' REGION 'us-west-2' MAXERROR 0`,
    )
  })

  it('with access keys and a session token, masked for messages', () => {
    const sql = copySql({
      ...base,
      auth: {
        credentials: { awsAccessKeyId: 'AKIA1', awsSecretAccessKey: "s3cr'et", sessionToken: 'tok\\en' },
      },
    })
    expect(sql).toBe(
      `COPY "ds_staging"."entries" ("id", "at", "_sluice_id") FROM 's3://bucket/prefix/ds/entries/1700000000.1.1.jsonl.gz' CREDENTIALS 'aws_access_key_id=AKIA1;aws_secret_access_key=s3cr''et;token=tok\\\\en' FORMAT AS JSON 'auto ignorecase' GZIP TIMEFORMAT 'auto' DATEFORMAT 'auto' MAXERROR 0`,
    )
    const shown = redactCopy(sql)
    expect(shown).toContain("CREDENTIALS '***' FORMAT AS JSON")
    expect(shown).not.toMatch(/AKIA1|s3cr|tok/)
  })

  it('an IAM role wins over keys', () => {
    const sql = copySql({
      ...base,
      auth: {
        iamRole: 'arn:aws:iam::1:role/r',
        credentials: { awsAccessKeyId: 'A', awsSecretAccessKey: 'B' },
      },
    })
    expect(sql).toContain("IAM_ROLE 'arn:aws:iam::1:role/r'")
    expect(sql).not.toContain('CREDENTIALS')
  })

  it('escapes quotes and backslashes in literals', () => {
    expect(redshiftLiteral("it's a \\ path")).toBe("'it''s a \\\\ path'")
  })
})
