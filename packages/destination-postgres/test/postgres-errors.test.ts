import { createServer } from 'node:net'
import type { SluiceError } from '@sluice/core/destination'
import { isSluiceError } from '@sluice/core/destination'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectPostgres, parsePostgresCredentials, postgres } from '../src/index.ts'
import { ctxFor } from './postgres-fixtures.ts'
import { admin, serverUrl, uniqueName, urlWith } from './postgres-helpers.ts'

async function failure(promise: Promise<unknown>): Promise<SluiceError> {
  try {
    await promise
  } catch (error) {
    if (!isSluiceError(error)) throw error
    return error
  }
  throw new Error('expected a SluiceError')
}

async function createClient(url: string, dataset = uniqueName('ds')) {
  return postgres({ credentials: url, connectTimeoutMs: 5000 }).createClient(ctxFor(dataset))
}

describe('postgres connection and privilege errors', () => {
  const role = uniqueName('limited')
  const rolePassword = `pw-${uniqueName('x')}`

  beforeAll(async () => {
    serverUrl()
    await admin(`CREATE ROLE ${role} LOGIN PASSWORD '${rolePassword}'`)
  })
  afterAll(async () => {
    await admin(`DROP OWNED BY ${role}`).catch(() => {})
    await admin(`DROP ROLE IF EXISTS ${role}`).catch(() => {})
  })

  it('says where nothing listens on a refused port', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    const error = await failure(createClient(urlWith({ port })))
    expect(error.code).toBe('DESTINATION_CONNECT')
    expect(error.message).toContain(`could not connect to 127.0.0.1:${port} (ECONNREFUSED)`)
    expect(error.message).toContain(`is the server running at 127.0.0.1:${port}?`)
    expect(error.message).toContain('DESTINATION__POSTGRES__CREDENTIALS')
  })

  it('reports a bad password without echoing it', async () => {
    const wrong = 'not-the-password-1234'
    const error = await failure(createClient(urlWith({ password: wrong })))
    expect(error.code).toBe('DESTINATION_AUTH')
    expect(error.message).toContain('password authentication failed for user "postgres"')
    expect(error.message).toContain('DESTINATION__POSTGRES__CREDENTIALS')
    expect(error.message).not.toContain(wrong)
    expect(error.transient).toBe(false)
  })

  it('names a missing database and how to create it', async () => {
    const name = uniqueName('nodb')
    const error = await failure(createClient(urlWith({ database: name })))
    expect(error.code).toBe('DESTINATION_DATABASE_MISSING')
    expect(error.message).toContain(`database "${name}" does not exist`)
    expect(error.message).toContain(`createdb ${name}`)
  })

  it('says which grant is missing when the role may not create schemas', async () => {
    const client = await createClient(urlWith({ user: role, password: rolePassword }))
    try {
      const error = await failure(client.initialize())
      expect(error.code).toBe('DESTINATION_PERMISSION')
      expect(error.message).toContain('permission denied for database sluice_test')
      expect(error.message).toContain(`GRANT CREATE ON DATABASE "sluice_test" TO "${role}"`)
    } finally {
      await client[Symbol.asyncDispose]()
    }
  })

  it('says which grant is missing when the role may not create tables in the dataset', async () => {
    const dataset = uniqueName('locked')
    await admin(`GRANT CREATE ON DATABASE sluice_test TO ${role}`)
    await admin(
      `CREATE SCHEMA ${dataset}; CREATE SCHEMA ${dataset}_staging; GRANT USAGE ON SCHEMA ${dataset} TO ${role}`,
    )
    const client = await createClient(urlWith({ user: role, password: rolePassword }), dataset)
    try {
      const error = await failure(client.initialize())
      expect(error.code).toBe('DESTINATION_PERMISSION')
      expect(error.message).toContain(`GRANT USAGE, CREATE ON SCHEMA "${dataset}`)
    } finally {
      await client[Symbol.asyncDispose]()
      await admin(`REVOKE CREATE ON DATABASE sluice_test FROM ${role}`)
    }
  })

  it('loads with privileges on pre-created dataset schemas only (no CREATE on the database)', async () => {
    const dataset = uniqueName('granted')
    await admin(
      `CREATE SCHEMA ${dataset} AUTHORIZATION ${role}; CREATE SCHEMA ${dataset}_staging; GRANT USAGE, CREATE ON SCHEMA ${dataset}_staging TO ${role}`,
    )
    const client = await createClient(urlWith({ user: role, password: rolePassword }), dataset)
    try {
      await client.initialize()
      await client.initialize()
      expect(await client.getStoredState('test_pipeline')).toBeUndefined()
    } finally {
      await client[Symbol.asyncDispose]()
    }
    expect(await admin(`SELECT count(*)::int AS n FROM ${dataset}._sluice_loads`)).toEqual([{ n: 0 }])
  })

  it('treats a connection killed mid-transaction as transient', async () => {
    const client = await connectPostgres({ params: parsePostgresCredentials(serverUrl()) })
    try {
      const error = await failure(
        client.transaction((tx) => tx.query('SELECT pg_terminate_backend(pg_backend_pid())')),
      )
      expect(error.code).toBe('DESTINATION_TRANSIENT')
      expect(error.transient).toBe(true)
      // The pool replaces the dead connection.
      expect(await client.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
    } finally {
      await client[Symbol.asyncDispose]()
    }
  })

  it('repeats a transaction after a serialization failure, and gives up as transient', async () => {
    const client = await connectPostgres({ params: parsePostgresCredentials(serverUrl()) })
    const raise40001 = `DO $$ BEGIN RAISE EXCEPTION 'could not serialize' USING ERRCODE = '40001'; END $$`
    try {
      let attempts = 0
      const result = await client.transaction(async (tx) => {
        attempts++
        if (attempts === 1) await tx.execute(raise40001)
        return (await tx.query<{ n: number }>('SELECT 42 AS n'))[0]?.n
      })
      expect(result).toBe(42)
      expect(attempts).toBe(2)

      let always = 0
      const error = await failure(
        client.transaction(async (tx) => {
          always++
          await tx.execute(raise40001)
        }),
      )
      expect(always).toBe(4)
      expect(error.code).toBe('DESTINATION_TRANSIENT')
      expect(error.transient).toBe(true)
    } finally {
      await client[Symbol.asyncDispose]()
    }
  })

  it('reports SQL errors with their SQLSTATE and does not retry them', async () => {
    const client = await connectPostgres({ params: parsePostgresCredentials(serverUrl()) })
    try {
      const error = await failure(client.execute('SELECT * FROM no_such_table_here'))
      expect(error.code).toBe('DESTINATION_QUERY')
      expect(error.message).toContain('relation "no_such_table_here" does not exist')
      expect(error.message).toContain('[42P01]')
    } finally {
      await client[Symbol.asyncDispose]()
    }
  })
})
