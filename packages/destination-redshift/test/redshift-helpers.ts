import pg from 'pg'
import { inject } from 'vitest'

/** URL of the compatibility-profile database; throws (failing the suite) with how to get a server when there is none. */
export function compatUrl(): string {
  const error = inject('postgresError')
  if (error) throw new Error(error)
  return inject('compatUrl')
}

/** Runs SQL as the superuser on the compatibility database, on a short-lived connection. */
export async function admin<T extends Record<string, unknown> = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: compatUrl() })
  await client.connect()
  try {
    return (await client.query(sql, params)).rows as T[]
  } finally {
    await client.end()
  }
}

/** `"name"` for SQL written by tests. */
export function dq(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** Drops a dataset and its staging schema. */
export async function dropDataset(dataset: string): Promise<void> {
  await admin(
    `DROP SCHEMA IF EXISTS ${dq(dataset)} CASCADE; DROP SCHEMA IF EXISTS ${dq(`${dataset}_staging`)} CASCADE`,
  )
}

/** A fresh lower-case name for datasets and application names. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Math.random().toString(36).slice(2, 10)}`
}
