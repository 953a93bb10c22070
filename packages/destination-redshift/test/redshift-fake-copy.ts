// A fake of Redshift's COPY from S3 for tests: it patches the `pg` client so that a `COPY ... FROM 's3://...'`
// statement is executed as the engine would, against PostgreSQL with the compatibility profile, and
// `pg_last_copy_count()` answers the rows it loaded. It parses the statement strictly (the clause order this
// package writes), checks the authorization (a known IAM role, or the bucket's keys), reads the object from the S3
// test server (s3rver), honours GZIP, matches JSON keys to the column list ('auto' exactly, 'auto ignorecase'
// ignoring case), refuses what Redshift refuses (VARBYTE and TIME columns from JSON), and loads every row in the
// caller's transaction or none (MAXERROR 0): a failing row fails the COPY with Redshift's message.
import { gunzipSync } from 'node:zlib'
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import pg from 'pg'

/** What the fake's S3 accepts. */
export interface FakeCopyOptions {
  /** The s3rver endpoint, e.g. `http://127.0.0.1:4569`. */
  endpoint: string
  /** The access key pair COPY must be given to read the bucket (the fake itself reads s3rver with its own keys). */
  keys: { id: string; secret: string }
  /** IAM role ARNs the "cluster" may assume (`default` allowed when listed). */
  roles: readonly string[]
}

/** One COPY the fake executed (the SQL holds secrets: tests only). */
export interface FakeCopyCall {
  sql: string
  table: string
  url: string
  auth: string
  rows: number
}

type Query = (this: pg.Client, ...args: unknown[]) => unknown

const COPY =
  /^COPY ((?:"(?:[^"]|"")+"\.)?"(?:[^"]|"")+") \(((?:"(?:[^"]|"")+"(?:, )?)+)\) FROM ('(?:[^'\\]|''|\\.)*') (IAM_ROLE default|IAM_ROLE '(?:[^'\\]|''|\\.)*'|CREDENTIALS '(?:[^'\\]|''|\\.)*') FORMAT AS JSON '(auto|auto ignorecase)'( GZIP)? TIMEFORMAT 'auto' DATEFORMAT 'auto'( REGION '(?:[^'\\]|''|\\.)*')? MAXERROR 0$/

function unquoteLiteral(literal: string): string {
  return literal
    .slice(1, -1)
    .replace(/''|\\(.)/g, (m, c: string | undefined) => (m === "''" ? "'" : (c ?? '')))
}

function identifiers(list: string): string[] {
  return [...list.matchAll(/"((?:[^"]|"")+)"/g)].map((m) => (m[1] ?? '').replaceAll('""', '"'))
}

function redshiftError(message: string, detail?: string): Error {
  return Object.assign(new Error(message), {
    code: 'XX000',
    severity: 'ERROR',
    ...(detail ? { detail } : {}),
  })
}

/** Installs the fake on `pg.Client`; returns the calls it saw and `restore()`. */
export function installFakeCopy(options: FakeCopyOptions): { calls: FakeCopyCall[]; restore(): void } {
  const s3 = new S3Client({
    endpoint: options.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  })
  const calls: FakeCopyCall[] = []
  const lastCount = new WeakMap<object, number>()
  const proto = pg.Client.prototype as unknown as { query: Query }
  const original = proto.query

  async function copy(client: pg.Client, sql: string): Promise<unknown> {
    const run = (text: string, values?: unknown[]) =>
      original.call(client, text, values) as Promise<pg.QueryResult<Record<string, unknown>>>
    const m = COPY.exec(sql)
    if (!m) throw Object.assign(new Error(`syntax error in COPY: ${sql.slice(0, 80)}`), { code: '42601' })
    const [, table = '', columnList = '', urlLiteral = '', auth = '', mode = '', gzip] = m
    const url = unquoteLiteral(urlLiteral)
    if (auth.startsWith('IAM_ROLE')) {
      const role = auth === 'IAM_ROLE default' ? 'default' : unquoteLiteral(auth.slice('IAM_ROLE '.length))
      if (!options.roles.includes(role))
        throw redshiftError(`User arn:aws:redshift:fake:cluster is not authorized to assume IAM Role ${role}`)
    } else {
      const pairs = new Map(
        unquoteLiteral(auth.slice('CREDENTIALS '.length))
          .split(';')
          .map((p) => p.split('=', 2) as [string, string]),
      )
      if (
        pairs.get('aws_access_key_id') !== options.keys.id ||
        pairs.get('aws_secret_access_key') !== options.keys.secret
      )
        throw redshiftError('S3ServiceException:Access Denied,Status 403,Error AccessDenied')
    }
    const target = /^s3:\/\/([^/]+)\/(.+)$/.exec(url)
    if (!target) throw redshiftError(`Invalid S3 URL: ${url}`)
    let body: Uint8Array
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: target[1], Key: target[2] }))
      body = await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()
    } catch {
      throw redshiftError(`The specified S3 prefix '${target[2]}' does not exist`)
    }
    let text: string
    try {
      text = new TextDecoder().decode(gzip ? gunzipSync(body) : body)
    } catch {
      throw redshiftError(
        "Load into table failed. Check 'sys_load_error_detail' system table for details.",
        'error: gzip: invalid compressed data--format violated',
      )
    }
    const columns = identifiers(columnList)
    const described = await run(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
      [table],
    )
    const types = new Map(described.rows.map((r) => [String(r['name']), String(r['type'])]))
    for (const c of columns) {
      const type = types.get(c)
      if (type === undefined) throw redshiftError(`column "${c}" of relation ${table} does not exist`)
      if (/^(varbinary|bytea)|^time /.test(type))
        throw redshiftError(`COPY from JSON does not support the ${type} type of column "${c}"`)
    }
    const rows = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    const key = (row: Record<string, unknown>, column: string): unknown => {
      if (column in row) return row[column]
      if (mode !== 'auto ignorecase') return undefined
      const found = Object.keys(row).find((k) => k.toLowerCase() === column.toLowerCase())
      return found === undefined ? undefined : row[found]
    }
    const quoted = columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(', ')
    try {
      for (let start = 0; start < rows.length; start += 500) {
        const chunk = rows.slice(start, start + 500)
        const values: unknown[] = []
        const tuples = chunk.map((row) => {
          const cells = columns.map((c) => {
            const v = key(row, c)
            values.push(
              v === undefined || v === null
                ? null
                : typeof v === 'object' || types.get(c) === 'super'
                  ? JSON.stringify(v)
                  : String(v),
            )
            return `CAST($${values.length} AS ${types.get(c)})`
          })
          return `(${cells.join(', ')})`
        })
        await run(`INSERT INTO ${table} (${quoted}) VALUES ${tuples.join(', ')}`, values)
      }
    } catch (error) {
      throw redshiftError(
        `Load into table '${table}' failed. Check 'sys_load_error_detail' system table for details.`,
        `error: ${(error as Error).message}`,
      )
    }
    lastCount.set(client, rows.length)
    calls.push({ sql, table, url, auth, rows: rows.length })
    return { command: 'COPY', rowCount: rows.length, rows: [], fields: [] }
  }

  proto.query = function (this: pg.Client, ...args: unknown[]) {
    const [text] = args
    if (typeof text === 'string' && /^COPY .* FROM 's3:\/\//s.test(text)) return copy(this, text)
    if (typeof text === 'string' && /^SELECT pg_last_copy_count\(\) AS n$/.test(text))
      return Promise.resolve({
        command: 'SELECT',
        rowCount: 1,
        rows: [{ n: lastCount.get(this) ?? 0 }],
        fields: [],
      })
    return original.apply(this, args)
  }
  return {
    calls,
    restore: () => {
      proto.query = original
      s3.destroy()
    },
  }
}
