// The Redshift compatibility profile: what a PostgreSQL database needs so that the statements this package sends to
// Redshift run on it unchanged, for tests only. Everything else (transactions, DDL, merge, replace, staging tables,
// the catalog queries) is plain SQL that both engines run alike.
//
// | Redshift                         | here (test-only)                                             |
// | -------------------------------- | ------------------------------------------------------------ |
// | type `super`                     | `CREATE DOMAIN super AS jsonb`                               |
// | type `varbinary` (VARBYTE)       | `CREATE DOMAIN varbinary AS bytea`                           |
// | `JSON_PARSE(text)`               | a SQL function over `text::jsonb`                            |
// | `TO_VARBYTE(text, 'base64')`     | a SQL function over `decode(text, format)`                   |
// | `COPY ... FROM 's3://...'`       | executed by the fake in redshift-fake-copy.ts (not by here)  |
// | `pg_last_copy_count()`           | answered by that fake too                                    |
//
// Not covered (asserted as SQL text in the golden tests instead): VARBYTE's hex output, SUPER's own semantics,
// `varchar` lengths counted in bytes, identifiers over 63 bytes (PostgreSQL truncates them; Redshift allows 127).
import pg from 'pg'

/** The statements that make a database a Redshift stand-in. */
export const COMPAT_PROFILE: readonly string[] = [
  'CREATE DOMAIN super AS jsonb',
  'CREATE DOMAIN varbinary AS bytea',
  'CREATE FUNCTION json_parse(text) RETURNS jsonb LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT $1::jsonb $$',
  'CREATE FUNCTION to_varbyte(text, text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT decode($1, lower($2)) $$',
]

const DATABASE = 'redshift_compat'

/** Creates (once) the database `redshift_compat` with the profile on the server of `url`; returns its URL. */
export async function createCompatDatabase(url: string): Promise<string> {
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`)
  } finally {
    await admin.end()
  }
  const target = new URL(url)
  target.pathname = `/${DATABASE}`
  const db = new pg.Client({ connectionString: target.toString() })
  await db.connect()
  try {
    const done = await db.query("SELECT 1 FROM pg_type WHERE typname = 'super'")
    if (done.rowCount === 0) for (const sql of COMPAT_PROFILE) await db.query(sql)
  } finally {
    await db.end()
  }
  target.searchParams.set('sslmode', 'disable')
  return target.toString()
}
