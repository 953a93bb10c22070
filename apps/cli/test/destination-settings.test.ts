// Every destination package records every setting it was given except the secret ones (Destination.publicConfig),
// so that `sluice pipeline NAME ...` and `pipeline({ pipelineName }).dataset()` rebuild it as it was from any
// directory. Each package's section below sets every key it lists; a key added to a package without being recorded
// (or without being set here) fails.
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ConfigTable } from '@sluice/core'
import type { DestinationPackage } from '@sluice/core/destination'
import { destination as bigquery } from '@sluice/destination-bigquery'
import { destination as databricks } from '@sluice/destination-databricks'
import { destination as duckdb } from '@sluice/destination-duckdb'
import { destination as filesystem } from '@sluice/destination-filesystem'
import { destination as postgres } from '@sluice/destination-postgres'
import { destination as redshift } from '@sluice/destination-redshift'
import { destination as snowflake } from '@sluice/destination-snowflake'
import { describe, expect, test } from 'vitest'

/**
 * Keys not recorded on purpose: `staging` names another section (`[destination.filesystem]`) whose bucket is not
 * recorded, so that reading a dataset elsewhere never needs it; a `credentials` key whose value is a connection
 * string or key file is secret and its parts are listed (or recorded) as a table.
 */
const NOT_RECORDED = new Set(['staging'])

interface Case {
  pkg: DestinationPackage
  /** Every key of the package set, secrets too. */
  section: ConfigTable
  /** Keys of this package not recorded, and why. */
  notRecorded?: Record<string, string>
}

const CASES: Case[] = [
  {
    pkg: duckdb,
    section: {
      credentials: resolve('settings-test.duckdb'),
      memory_limit: '1GB',
      load_memory_limit: '128MB',
      threads: 3,
      load_threads: 2,
    },
  },
  {
    pkg: postgres,
    section: {
      credentials: 'postgresql://loader:pg-secret-1@db.example.com:6543/analytics',
      replace_strategy: 'truncate-and-insert',
      pool_size: 7,
      reader_statement_timeout_ms: 12_000,
    },
  },
  {
    pkg: filesystem,
    section: {
      bucket_url: 's3://bucket-1/prefix',
      format: 'parquet',
      compression: 'gzip',
      layout: '{dataset}/{table}/{load_id}/{file_id}.{ext}',
      conversion_threads: 2,
      multipart_threshold: 33554432,
      part_size: 5242880,
      upload_concurrency: 3,
      credentials: {
        aws_access_key_id: 'AKID-secret-2',
        aws_secret_access_key: 'aws-secret-3',
        aws_session_token: 'session-secret-4',
        endpoint_url: 'http://127.0.0.1:9000',
        region: 'eu-central-1',
        project_id: 'lake-project',
        client_email: 'loader@lake-project.iam.gserviceaccount.com',
        private_key: '-----BEGIN PRIVATE KEY-----\nfs-secret-13\n-----END PRIVATE KEY-----\n',
        key_file: '/keys/lake.json',
        azure_storage_account_name: 'lakeaccount',
        azure_storage_account_key: 'az-secret-14',
        azure_storage_sas_token: 'sv=2024&sig=az-secret-15',
        azure_storage_connection_string: 'AccountName=lakeaccount;AccountKey=az-secret-16',
        azure_tenant_id: 'tenant-1',
        azure_client_id: 'client-1',
        azure_client_secret: 'az-secret-17',
      },
    },
    notRecorded: {
      'credentials.client_email': 'useless without the private key, which comes from the secrets',
      'credentials.key_file': 'a path read where sluice runs, given with the other credentials',
      'credentials.azure_tenant_id': "a service principal's ids come with its secret",
      'credentials.azure_client_id': "a service principal's ids come with its secret",
    },
  },
  {
    pkg: bigquery,
    section: {
      credentials: {
        project_id: 'key-project',
        client_email: 'loader@key-project.iam.gserviceaccount.com',
        private_key: '-----BEGIN PRIVATE KEY-----\nbq-secret-5\n-----END PRIVATE KEY-----\n',
        access_token: 'bq-secret-6',
      },
      project_id: 'my-project',
      location: 'EU',
      api_endpoint: 'http://127.0.0.1:9050',
      parallel_jobs: 2,
      replace_strategy: 'truncate-and-insert',
      keep_staged_files: true,
    },
    notRecorded: {
      'credentials.project_id': 'recorded as project_id',
      'credentials.client_email':
        'part of one key: recorded without its private key, it would turn an access token given later into a half key',
    },
  },
  {
    pkg: snowflake,
    section: {
      credentials: {
        host: 'myorg-myaccount',
        username: 'LOADER',
        password: 'sf-secret-7',
        private_key: 'sf-secret-8',
        private_key_path: resolve('settings-test-key.p8'),
        private_key_passphrase: 'sf-secret-9',
        database: 'ANALYTICS',
        warehouse: 'LOADING',
        role: 'LOADER_ROLE',
      },
      reader_role: 'REPORTER',
      stage_name: 'MY_STAGE',
      parallel_jobs: 2,
      replace_strategy: 'truncate-and-insert',
      keep_staged_files: true,
    },
  },
  {
    pkg: redshift,
    section: {
      credentials: {
        host: 'cluster.example.com',
        port: 5440,
        database: 'dev',
        username: 'loader',
        password: 'rs-secret-10',
        sslmode: 'verify-full',
      },
      staging_iam_role: 'arn:aws:iam::123456789012:role/redshift-loader',
      staging_region: 'eu-west-1',
      keep_staged_files: true,
      replace_strategy: 'truncate-and-insert',
      pool_size: 6,
    },
  },
  {
    pkg: databricks,
    section: {
      credentials: {
        server_hostname: 'dbc-1.cloud.databricks.com',
        http_path: '/sql/1.0/warehouses/abc123',
        catalog: 'main',
        access_token: 'dbx-secret-11',
        client_id: 'sp-1',
        client_secret: 'dbx-secret-12',
      },
      staging_volume_name: 'main.landing.files',
      keep_staged_files: true,
      staging_credentials_name: 'bucket_reader',
      is_staging_external_location: true,
      replace_strategy: 'truncate-and-insert',
      parallel_jobs: 2,
      reader_row_limit: 5000,
    },
  },
]

function at(table: unknown, key: string): unknown {
  let node = table
  for (const part of key.split('.')) node = (node as ConfigTable | undefined)?.[part]
  return node
}

function secretValues(pkg: DestinationPackage, section: ConfigTable): string[] {
  return pkg.keys
    .filter((k) => k.secret)
    .map((k) => at(section, k.key))
    .filter((v): v is string => typeof v === 'string')
}

const ctx = { pipelineName: 'p', stage: () => Promise.reject(new Error('no staging in this test')) }

describe('publicConfig records every setting given, without the secret ones', () => {
  test.each(CASES.map((c) => [c.pkg.name, c] as const))('%s', async (_name, c) => {
    const recordedKeys = c.pkg.keys.filter(
      (k) => !k.secret && !NOT_RECORDED.has(k.key) && c.notRecorded?.[k.key] === undefined,
    )
    // the section sets every key the package lists (a new key must be added here, and recorded)
    for (const k of c.pkg.keys.filter((k) => !NOT_RECORDED.has(k.key)))
      expect(at(c.section, k.key), `${c.pkg.name}: the test sets ${k.key}`).not.toBeUndefined()
    const recorded = (await c.pkg.fromConfig(c.section, ctx)).publicConfig?.({ pipelineName: 'p' })
    expect(recorded, `${c.pkg.name} records its settings`).toBeDefined()
    for (const k of recordedKeys) {
      expect(at(recorded, k.key), `${c.pkg.name} records ${k.key}`).toEqual(at(c.section, k.key))
    }
    const text = JSON.stringify(recorded)
    for (const secret of secretValues(c.pkg, c.section)) expect(text).not.toContain(secret)
    // every secret value above holds `secret-<n>`, inside a URL or a key too
    expect(text).not.toMatch(/secret-\d/)
    // rebuilt from the record and the secrets (and the keys not recorded), given again, it records the same
    const secrets: ConfigTable = {}
    for (const k of c.pkg.keys.filter((k) => k.secret || c.notRecorded?.[k.key] !== undefined)) {
      const value = at(c.section, k.key)
      if (typeof value !== 'string' || k.key === 'credentials') continue
      const parts = k.key.split('.')
      let node = secrets
      for (const part of parts.slice(0, -1)) {
        node[part] ??= {}
        node = node[part] as ConfigTable
      }
      node[parts.at(-1)!] = value
    }
    const merged = structuredClone(recorded) as ConfigTable
    for (const [key, value] of Object.entries(secrets)) {
      merged[key] = typeof value === 'object' ? { ...(merged[key] as object), ...value } : value
    }
    const again = await c.pkg.fromConfig(
      c.pkg.name === 'postgres'
        ? { ...merged, credentials: { ...(merged['credentials'] as object), password: 'pg-secret-1' } }
        : merged,
      ctx,
    )
    expect(again.publicConfig?.({ pipelineName: 'p' })).toEqual(recorded)
  })

  test('a local bucket is recorded as an absolute file URL', async () => {
    const recorded = (await filesystem.fromConfig({ bucket_url: 'lake/files' }, ctx)).publicConfig?.({
      pipelineName: 'p',
    })
    expect(recorded?.['bucket_url']).toBe(pathToFileURL(resolve('lake/files')).href)
  })
})
