import { readFile } from 'node:fs/promises'
import pg from 'pg'
import { inject } from 'vitest'

/** The test server's superuser URL; throws (failing the suite) with how to get a server when there is none. */
export function serverUrl(): string {
  const error = inject('postgresError')
  if (error) throw new Error(error)
  return inject('postgresUrl')
}

/** The URL with another user, password, database or query. */
export function urlWith(changes: {
  user?: string
  password?: string
  database?: string
  port?: number
  query?: string
}): string {
  const url = new URL(serverUrl())
  if (changes.user !== undefined) url.username = encodeURIComponent(changes.user)
  if (changes.password !== undefined) url.password = encodeURIComponent(changes.password)
  if (changes.database !== undefined) url.pathname = `/${encodeURIComponent(changes.database)}`
  if (changes.port !== undefined) url.port = String(changes.port)
  if (changes.query !== undefined) url.search = changes.query
  return url.toString()
}

/** Runs SQL as the superuser on a short-lived connection. */
export async function admin<T extends Record<string, unknown> = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
  database?: string,
): Promise<T[]> {
  const client = new pg.Client({ connectionString: database ? urlWith({ database }) : serverUrl() })
  await client.connect()
  try {
    return (await client.query(sql, params)).rows as T[]
  } finally {
    await client.end()
  }
}

/** Statements the server logged for an application name (`log_statement=all`, prefix `%a|`); undefined for an external server. */
export async function loggedStatements(applicationName: string): Promise<string[] | undefined> {
  const log = inject('postgresLog')
  if (!log) return undefined
  const text = await readFile(log, 'utf8')
  const out: string[] = []
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${applicationName}|`)) continue
    const m = /LOG: {2}(?:statement|execute [^:]*): ([\s\S]*)$/.exec(line)
    if (m?.[1]) out.push(m[1])
  }
  return out
}

/** A fresh lower-case name for datasets, roles and application names. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Math.random().toString(36).slice(2, 10)}`
}
