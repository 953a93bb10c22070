import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { isSluiceError } from '@sluice/core/destination'
import { loadOnce, open, readRows, table } from '@sluice/destination-testkit/warehouse'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { type SnowflakeOptions, snowflake } from '../src/index.ts'
import { FakeSnowflake } from './snowflake-fake.ts'

// What sluice sends to Snowflake, asserted on the fake server: the exact PUT / COPY INTO, the login, the
// transaction around the publish, and the errors users see.
const fake = new FakeSnowflake({
  users: { LOADER: 'secret' },
  keyPairUsers: ['KEYUSER'],
  denied: [/^CREATE SCHEMA IF NOT EXISTS "DENIED"/],
})
beforeAll(async () => {
  await fake.start()
})
afterAll(async () => {
  await fake.stop()
  expect(fake.unhandled).toEqual([])
})

const base = (): SnowflakeOptions => ({
  account: 'testorg-testaccount',
  user: 'LOADER',
  password: 'secret',
  database: 'ANALYTICS',
  warehouse: 'LOAD_WH',
  role: 'LOADER_ROLE',
  accessUrl: fake.url,
})

const items = table('items', [
  { name: 'id', dataType: 'bigint', primaryKey: true },
  { name: 'name', dataType: 'text' },
  { name: 'payload', dataType: 'json' },
])

describe('snowflake protocol', () => {
  it('logs in with warehouse, role and database, sets the session to UTC, and closes the session', async () => {
    const before = fake.logins.length
    const client = await open(snowflake(base()), 'proto_login')
    await client[Symbol.asyncDispose]()
    const login = fake.logins[before] as Record<string, unknown>
    expect(login['LOGIN_NAME']).toBe('LOADER')
    expect(login['PASSWORD']).toBe('***')
    expect(login['query']).toMatchObject({
      warehouse: 'LOAD_WH',
      roleName: 'LOADER_ROLE',
      databaseName: 'ANALYTICS',
    })
    expect(fake.sql(/^ALTER SESSION/)).toContain(
      "ALTER SESSION SET TIMEZONE = 'UTC', QUOTED_IDENTIFIERS_IGNORE_CASE = FALSE",
    )
    expect(fake.sessionsClosed.length).toBeGreaterThan(0)
  })

  it('PUTs each job file into the staging table stage and COPYs it by column name', async () => {
    const client = await open(snowflake(base()), 'proto_copy')
    const start = fake.statements.length
    const pkg = await loadOnce(client, [
      {
        table: items,
        rows: [{ id: 1, name: 'a', payload: { x: [1] }, _sluice_load_id: 'l', _sluice_id: 'i1' }],
      },
    ])
    await client[Symbol.asyncDispose]()
    const sent = fake.statements.slice(start).map((s) => s.sql)
    const put = sent.find((s) => s.startsWith('PUT '))
    expect(put).toMatch(
      new RegExp(
        `^PUT 'file:///.+/${pkg.loadId.replace('.', '\\.')}\\.items\\.0\\.jsonl' @"PROTO_COPY_STAGING"\\.%"ITEMS" AUTO_COMPRESS = TRUE OVERWRITE = TRUE$`,
      ),
    )
    const copy = fake.copies.at(-1)
    expect(copy).toEqual({
      target: '"PROTO_COPY_STAGING"."ITEMS"',
      stage: '@"PROTO_COPY_STAGING".%"ITEMS"',
      files: [`${pkg.loadId}.items.0.jsonl.gz`],
      fileFormat: "TYPE = 'JSON' BINARY_FORMAT = 'BASE64' COMPRESSION = GZIP",
      options: 'MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE ON_ERROR = ABORT_STATEMENT FORCE = TRUE PURGE = TRUE',
    })
    // the publish: one transaction, _sluice_loads written last
    const begin = sent.lastIndexOf('BEGIN TRANSACTION')
    const commit = sent.lastIndexOf('COMMIT')
    expect(begin).toBeGreaterThan(sent.indexOf(put as string))
    const inTx = sent.slice(begin + 1, commit)
    expect(inTx.find((s) => s.startsWith('INSERT INTO "PROTO_COPY"."ITEMS"'))).toBe(
      'INSERT INTO "PROTO_COPY"."ITEMS" ("ID", "NAME", "PAYLOAD", "_SLUICE_LOAD_ID", "_SLUICE_ID") SELECT s."ID", s."NAME", s."PAYLOAD", s."_SLUICE_LOAD_ID", s."_SLUICE_ID" FROM "PROTO_COPY_STAGING"."ITEMS" AS s',
    )
    expect(inTx.filter((s) => s.startsWith('INSERT')).at(-1)).toMatch(
      /^INSERT INTO "PROTO_COPY"."_SLUICE_LOADS"/,
    )
    expect(await readRows(fake.admin, 'PROTO_COPY', 'ITEMS')).toEqual([
      { id: '1', name: 'a', payload: '{"x":[1]}', _sluice_load_id: 'l', _sluice_id: 'i1' },
    ])
    // DDL: upper-cased identifiers and Snowflake types
    expect(fake.sql(/^CREATE TABLE IF NOT EXISTS "PROTO_COPY"."ITEMS"/)).toEqual([
      'CREATE TABLE IF NOT EXISTS "PROTO_COPY"."ITEMS" ("ID" NUMBER(19,0), "NAME" VARCHAR, "PAYLOAD" VARIANT, "_SLUICE_LOAD_ID" VARCHAR, "_SLUICE_ID" VARCHAR)',
    ])
  })

  it('a gzip-compressed job file is PUT as it is and COPYed under its own name', async () => {
    const client = await open(snowflake(base()), 'proto_gzip')
    const t = items
    const schema = { name: 's', version: 1, versionHash: 'h', previousHashes: [], tables: { items: t } }
    await client.migrate(schema, [{ kind: 'add-table', table: t }])
    const dir = await mkdtemp(join(tmpdir(), 'sluice-sf-gz-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const file = join(dir, 'job.jsonl')
    await writeFile(file, gzipSync('{"id":7,"name":"z","_sluice_load_id":"l","_sluice_id":"g7"}\n'))
    const result = await client.load(
      { loadId: '1.1', jobId: 'items.1', table: t, file, format: 'jsonl', rows: 1 },
      new AbortController().signal,
    )
    await client[Symbol.asyncDispose]()
    expect(result.rows).toBe(1)
    expect(fake.copies.at(-1)?.files).toEqual(['job.jsonl'])
    expect(fake.sql(/^PUT /).at(-1)).toMatch(
      / AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = GZIP OVERWRITE = TRUE$/,
    )
    expect((await readRows(fake.admin, 'PROTO_GZIP_STAGING', 'ITEMS')).map((r) => r['name'])).toEqual(['z'])
  })

  it('upserts with MERGE INTO', async () => {
    const client = await open(snowflake(base()), 'proto_merge')
    const t = { ...items, writeDisposition: 'merge' as const, mergeStrategy: 'upsert' as const }
    await loadOnce(client, [
      { table: t, rows: [{ id: 1, name: 'a', _sluice_load_id: 'l', _sluice_id: 'i1' }] },
    ])
    await loadOnce(client, [
      { table: t, rows: [{ id: 1, name: 'b', _sluice_load_id: 'l', _sluice_id: 'i2' }] },
    ])
    await client[Symbol.asyncDispose]()
    expect(fake.sql(/^MERGE INTO "PROTO_MERGE"."ITEMS" AS t USING/).length).toBe(2)
    const rows = await readRows(fake.admin, 'PROTO_MERGE', 'ITEMS')
    expect(rows.map((r) => [r['id'], r['name']])).toEqual([['1', 'b']])
  })

  it('a named stage gets the file under sluice/<schema>/<table>', async () => {
    const client = await open(snowflake({ ...base(), stage: 'LOAD_STAGE' }), 'proto_named')
    await loadOnce(client, [
      { table: items, rows: [{ id: 2, name: 'n', _sluice_load_id: 'l', _sluice_id: 'i9' }] },
    ])
    await client[Symbol.asyncDispose]()
    expect(fake.copies.at(-1)?.stage).toBe('@LOAD_STAGE/sluice/PROTO_NAMED_STAGING/ITEMS')
    expect(fake.sql(/^PUT /).at(-1)).toMatch(/ @LOAD_STAGE\/sluice\/PROTO_NAMED_STAGING\/ITEMS AUTO_COMPRESS/)
    expect((await readRows(fake.admin, 'PROTO_NAMED', 'ITEMS')).length).toBe(1)
  })

  it('staging-optimized replace CLONEs the staging table', async () => {
    const client = await open(snowflake({ ...base(), replace_strategy: 'staging-optimized' }), 'proto_clone')
    const t = { ...items, writeDisposition: 'replace' as const }
    await loadOnce(client, [
      { table: t, rows: [{ id: 1, name: 'a', _sluice_load_id: 'l', _sluice_id: 'i1' }] },
    ])
    await loadOnce(client, [
      { table: t, rows: [{ id: 2, name: 'b', _sluice_load_id: 'l', _sluice_id: 'i2' }] },
    ])
    await client[Symbol.asyncDispose]()
    expect(fake.sql(/CLONE/)).toContain(
      'CREATE OR REPLACE TABLE "PROTO_CLONE"."ITEMS" CLONE "PROTO_CLONE_STAGING"."ITEMS"',
    )
    expect((await readRows(fake.admin, 'PROTO_CLONE', 'ITEMS')).map((r) => r['id'])).toEqual(['2'])
  })

  it('logs in with a key pair (private key file + passphrase)', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'kp-pass' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    })
    const dir = await mkdtemp(join(tmpdir(), 'sluice-sf-key-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const keyFile = join(dir, 'rsa_key.p8')
    await writeFile(keyFile, privateKey)
    const before = fake.logins.length
    const client = await open(
      snowflake({
        account: 'testorg-testaccount',
        user: 'KEYUSER',
        private_key_path: keyFile,
        private_key_passphrase: 'kp-pass',
        database: 'ANALYTICS',
        accessUrl: fake.url,
      }),
      'proto_keypair',
    )
    await client[Symbol.asyncDispose]()
    const login = fake.logins[before] as Record<string, unknown>
    expect(login['AUTHENTICATOR']).toBe('SNOWFLAKE_JWT')
    expect(login['PASSWORD']).toBeUndefined()
    expect(String(login['TOKEN']).split('.')).toHaveLength(3)
    // the same key inline (as from an env variable, newlines escaped) with its passphrase
    const inline = await open(
      snowflake({
        account: 'testorg-testaccount',
        credentials: {
          username: 'KEYUSER',
          private_key: privateKey.replaceAll('\n', '\\n'),
          private_key_passphrase: 'kp-pass',
          database: 'ANALYTICS',
        },
        accessUrl: fake.url,
      }),
      'proto_keypair_inline',
    )
    await inline[Symbol.asyncDispose]()
    expect(fake.logins.at(-1)?.['AUTHENTICATOR']).toBe('SNOWFLAKE_JWT')
    await expect(
      snowflake({
        account: 'a',
        user: 'KEYUSER',
        private_key: privateKey,
        private_key_passphrase: 'wrong',
        database: 'D',
        accessUrl: fake.url,
      }).createClient({
        datasetName: 'x',
        pipelineName: 'p',
        emit: () => {},
      }),
    ).rejects.toThrow(/not a PEM private key \(or the passphrase is wrong\)/)
  })
})

describe('snowflake errors', () => {
  const fails = async (options: SnowflakeOptions, dataset: string) => {
    try {
      const client = await open(snowflake(options), dataset)
      await client[Symbol.asyncDispose]()
    } catch (error) {
      return error
    }
    throw new Error('expected a failure')
  }

  it('a wrong password says to check the user and password, without the password', async () => {
    const e = await fails({ ...base(), password: 'wrong-pw-77' }, 'err_auth')
    expect(isSluiceError(e, 'DESTINATION_AUTH')).toBe(true)
    expect(String((e as Error).message)).toMatch(/user "LOADER" and its password/)
    expect(String((e as Error).message)).not.toContain('wrong-pw-77')
  })

  it('a missing database says to create it or grant USAGE', async () => {
    const e = await fails({ ...base(), database: 'NOPE' }, 'err_db')
    expect(isSluiceError(e, 'DESTINATION_DATABASE_MISSING')).toBe(true)
    expect(String((e as Error).message)).toMatch(/create database "NOPE"/)
  })

  it('missing privileges name the grants', async () => {
    const e = await fails(base(), 'denied')
    expect(isSluiceError(e, 'DESTINATION_PERMISSION')).toBe(true)
    expect(String((e as Error).message)).toMatch(/grant role LOADER_ROLE USAGE and CREATE SCHEMA/)
  })
})
