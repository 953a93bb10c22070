import type { TokenSource } from './databricks-auth.ts'
import type { DatabricksHttpOptions } from './databricks-credentials.ts'
import { DatabricksApiError, type DatabricksErrorContext, mapDatabricksError } from './databricks-errors.ts'

/** A column of a statement's result, as the manifest lists it. */
export interface StatementColumn {
  name: string
  /** e.g. `LONG`, `STRING`, `TIMESTAMP`, `DECIMAL`, `BINARY`. */
  type_name: string
  /** The full type, e.g. `decimal(10,2)`. */
  type_text?: string
  position?: number
}

/** One chunk of a result in `JSON_ARRAY` format: every value a string or null. */
export interface ResultChunk {
  chunk_index?: number
  row_offset?: number
  row_count?: number
  data_array?: (string | null)[][]
  next_chunk_index?: number
}

/** A statement that succeeded: its columns and the first chunk of its result. */
export interface StatementResult {
  statementId: string
  columns: StatementColumn[]
  /** True when `row_limit` cut the result. */
  truncated: boolean
  first: ResultChunk | undefined
}

/** What {@link DatabricksApi.execute} runs. */
export interface StatementRequest {
  statement: string
  /** Values of the named markers `:p1`, `:p2` ... in order. */
  params?: readonly unknown[]
  /** Default schema for unqualified names. Default none. */
  schema?: string
  /** Row limit of the result (`row_limit`). Default none. */
  rowLimit?: number
  signal?: AbortSignal
  /** What the statement does, for messages (no secrets). */
  action: string
  /** Values to mask in error messages. */
  secrets?: readonly (string | undefined)[]
  /** False when running the statement twice would do its work twice (see `DatabricksErrorContext`). Default true. */
  repeatable?: boolean
}

interface StatementResponse {
  statement_id?: string
  status?: {
    state?: string
    error?: { error_code?: string; message?: string }
    sql_state?: string
  }
  manifest?: { schema?: { columns?: StatementColumn[] }; truncated?: boolean }
  result?: ResultChunk
}

/** The request parameter for a JS value: typed so that markers compare and cast as expected. */
export function statementParameter(
  name: string,
  value: unknown,
): { name: string; value?: string; type: string } {
  if (value === null || value === undefined) return { name, type: 'STRING' }
  if (typeof value === 'boolean') return { name, value: String(value), type: 'BOOLEAN' }
  if (typeof value === 'bigint') return { name, value: value.toString(), type: 'BIGINT' }
  if (typeof value === 'number')
    return { name, value: String(value), type: Number.isInteger(value) ? 'BIGINT' : 'DOUBLE' }
  if (value instanceof Date) return { name, value: value.toISOString(), type: 'TIMESTAMP' }
  if (value instanceof Uint8Array) return { name, value: new TextDecoder().decode(value), type: 'STRING' }
  if (typeof value === 'object') return { name, value: JSON.stringify(value), type: 'STRING' }
  return { name, value: String(value), type: 'STRING' }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(done, ms)
    function done() {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }
    function onAbort() {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

const RUNNING = new Set(['PENDING', 'RUNNING'])

/**
 * The Databricks REST calls sluice makes, on global `fetch` (Node and Deno): the SQL Statement Execution API
 * (`POST /api/2.0/sql/statements`, polling `GET .../{id}`, result chunks, cancel) and the Files API for volumes
 * (`PUT`/`DELETE /api/2.0/fs/files/Volumes/...`). Every request goes to the workspace host only, with the bearer
 * token of the token source (a rejected OAuth token is fetched again once). Requests Databricks refused (429, 503:
 * busy, or a warehouse starting) are repeated with backoff; 5xx and network errors are repeated only where doing
 * the work twice is harmless (polls, chunks, file uploads and deletes). Errors are `SluiceError`s.
 */
export class DatabricksApi {
  readonly baseUrl: string
  readonly host: string
  readonly warehouseId: string
  readonly catalog: string
  readonly #tokens: TokenSource
  readonly #fetch: typeof fetch
  readonly #attempts: number
  readonly #backoffMs: number
  readonly #pollMs: number
  readonly #wait: string

  constructor(options: {
    baseUrl: string
    warehouseId: string
    catalog: string
    tokens: TokenSource
    http?: DatabricksHttpOptions
  }) {
    this.baseUrl = options.baseUrl
    this.host = new URL(options.baseUrl).host
    this.warehouseId = options.warehouseId
    this.catalog = options.catalog
    this.#tokens = options.tokens
    const http = options.http ?? {}
    this.#fetch = http.fetch ?? ((input, init) => fetch(input, init))
    this.#attempts = Math.max(1, http.attempts ?? 6)
    this.#backoffMs = http.backoffMs ?? 500
    this.#pollMs = http.pollMs ?? 250
    this.#wait = `${Math.min(50, Math.max(5, http.waitSeconds ?? 10))}s`
  }

  /**
   * One request to the workspace. `safe` requests (idempotent) are repeated on 5xx and network errors as well.
   * Returns the parsed JSON body (undefined for an empty one); 404 resolves to undefined when `missingOk`.
   */
  async request<T>(
    method: string,
    path: string,
    init: {
      json?: unknown
      body?: Uint8Array
      safe: boolean
      missingOk?: boolean
      signal?: AbortSignal
      ctx: DatabricksErrorContext
    },
  ): Promise<T | undefined> {
    let refreshed = false
    for (let attempt = 1; ; attempt++) {
      let token: string
      let response: Response
      try {
        token = await this.#tokens.token(init.signal)
        const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'user-agent': 'sluice' }
        let body: BodyInit | undefined
        if (init.json !== undefined) {
          headers['content-type'] = 'application/json'
          body = JSON.stringify(init.json)
        } else if (init.body) {
          headers['content-type'] = 'application/octet-stream'
          body = init.body as unknown as BodyInit
        }
        response = await this.#fetch(`${this.baseUrl}${path}`, {
          method,
          headers,
          ...(body === undefined ? {} : { body }),
          ...(init.signal ? { signal: init.signal } : {}),
        })
      } catch (error) {
        if (init.signal?.aborted) throw init.signal.reason
        const mapped = mapDatabricksError(error, init.ctx)
        if (!init.safe || attempt >= this.#attempts || mapped.code === 'DESTINATION_AUTH') throw mapped
        await delay(this.#backoff(attempt), init.signal)
        continue
      }
      if (response.ok) {
        const text = await response.text()
        return text ? (JSON.parse(text) as T) : undefined
      }
      const failure = await apiError(response)
      if (response.status === 404 && init.missingOk) return undefined
      if (response.status === 401 && !refreshed && this.#tokens.invalidate(token)) {
        refreshed = true
        continue
      }
      const retryable =
        response.status === 429 || response.status === 503 || (init.safe && response.status >= 500)
      if (!retryable || attempt >= this.#attempts) {
        throw mapDatabricksError(failure, init.ctx)
      }
      const after = Number(response.headers.get('retry-after'))
      await delay(
        Number.isFinite(after) && after >= 0 && response.headers.has('retry-after')
          ? after * 1000
          : this.#backoff(attempt),
        init.signal,
      )
    }
  }

  #backoff(attempt: number): number {
    return Math.min(10_000, this.#backoffMs * 2 ** (attempt - 1))
  }

  /**
   * Runs one statement (no multi-statement requests: Databricks runs one per request) and waits for it: the
   * request itself waits up to `waitSeconds`, then the statement is polled until it leaves PENDING (waiting for
   * the warehouse, e.g. while it starts) and RUNNING. FAILED and CANCELED become `SluiceError`s; an abort
   * cancels the statement on the warehouse. Results come as `JSON_ARRAY` chunks inline.
   */
  async execute(req: StatementRequest): Promise<StatementResult> {
    const ctx: DatabricksErrorContext = {
      host: this.host,
      action: req.action,
      ...(req.secrets ? { secrets: req.secrets } : {}),
      ...(req.repeatable === false ? { repeatable: false } : {}),
    }
    const signal = req.signal
    signal?.throwIfAborted()
    const body = {
      statement: req.statement,
      warehouse_id: this.warehouseId,
      catalog: this.catalog,
      ...(req.schema ? { schema: req.schema } : {}),
      parameters: (req.params ?? []).map((v, i) => statementParameter(`p${i + 1}`, v)),
      wait_timeout: this.#wait,
      on_wait_timeout: 'CONTINUE',
      disposition: 'INLINE',
      format: 'JSON_ARRAY',
      ...(req.rowLimit ? { row_limit: req.rowLimit } : {}),
    }
    // the submit is not aborted mid-flight: once Databricks answers, a running statement can be canceled by id
    const submitted = this.request<StatementResponse>('POST', '/api/2.0/sql/statements', {
      json: body,
      safe: false,
      ctx,
    })
    let response = signal
      ? await raceAbort(submitted, signal, (r) => this.#cancelQuietly(r))
      : await submitted
    const id = response?.statement_id ?? ''
    let poll = this.#pollMs
    while (RUNNING.has(response?.status?.state ?? '')) {
      try {
        await delay(poll, signal)
      } catch (reason) {
        await this.#cancelQuietly(response)
        throw reason
      }
      poll = Math.min(5000, poll * 2)
      response = await this.request<StatementResponse>(
        'GET',
        `/api/2.0/sql/statements/${encodeURIComponent(id)}`,
        {
          safe: true,
          ctx,
        },
      )
    }
    const status = response?.status
    if (status?.state === 'SUCCEEDED') {
      return {
        statementId: id,
        columns: response?.manifest?.schema?.columns ?? [],
        truncated: response?.manifest?.truncated === true,
        first: response?.result,
      }
    }
    if (status?.state === 'CANCELED' && signal?.aborted) throw signal.reason
    throw mapDatabricksError(
      new DatabricksApiError(
        status?.error?.message ?? `the statement ended ${status?.state ?? 'without a state'}`,
        {
          ...(status?.state === 'CANCELED'
            ? { errorCode: 'CANCELED' }
            : status?.error?.error_code
              ? { errorCode: status.error.error_code }
              : {}),
          ...(status?.sql_state ? { sqlState: status.sql_state } : {}),
        },
      ),
      ctx,
    )
  }

  /** Chunk `index` of a succeeded statement's result. */
  async chunk(
    statementId: string,
    index: number,
    ctx: DatabricksErrorContext,
    signal?: AbortSignal,
  ): Promise<ResultChunk> {
    const chunk = await this.request<ResultChunk>(
      'GET',
      `/api/2.0/sql/statements/${encodeURIComponent(statementId)}/result/chunks/${index}`,
      { safe: true, ctx, ...(signal ? { signal } : {}) },
    )
    return chunk ?? {}
  }

  /** Cancels a statement; failures are ignored (it may have finished). */
  async #cancelQuietly(response: StatementResponse | undefined): Promise<void> {
    const id = response?.statement_id
    if (!id || !RUNNING.has(response?.status?.state ?? '')) return
    await this.request('POST', `/api/2.0/sql/statements/${encodeURIComponent(id)}/cancel`, {
      safe: true,
      ctx: { host: this.host, action: 'cancel statement' },
    }).catch(() => {})
  }

  /** Uploads bytes to a volume file (`/Volumes/catalog/schema/volume/...`), overwriting it. */
  async putFile(path: string, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.request('PUT', `/api/2.0/fs/files${encodePath(path)}?overwrite=true`, {
      body: bytes,
      safe: true,
      ctx: { host: this.host, action: `upload to ${path}` },
      ...(signal ? { signal } : {}),
    })
  }

  /** Deletes a volume file; a missing one is fine. */
  async deleteFile(path: string): Promise<void> {
    await this.request('DELETE', `/api/2.0/fs/files${encodePath(path)}`, {
      safe: true,
      missingOk: true,
      ctx: { host: this.host, action: `delete ${path}` },
    })
  }
}

/** `/Volumes/a b/c` → `/Volumes/a%20b/c`: each segment encoded. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/')
}

async function apiError(response: Response): Promise<DatabricksApiError> {
  const text = await response.text().catch(() => '')
  let body: { error_code?: unknown; message?: unknown } = {}
  try {
    body = JSON.parse(text) as typeof body
  } catch {
    // not JSON: the status says enough
  }
  const message =
    typeof body.message === 'string' && body.message
      ? body.message
      : `HTTP ${response.status} ${response.statusText}`
  return new DatabricksApiError(message, {
    status: response.status,
    ...(typeof body.error_code === 'string' ? { errorCode: body.error_code } : {}),
  })
}

/**
 * Waits for `work` unless `signal` aborts first; then rejects with the abort reason at once and hands the
 * eventual result to `cleanup` (e.g. to cancel the statement it started).
 */
function raceAbort<T>(
  work: Promise<T>,
  signal: AbortSignal,
  cleanup: (value: T) => Promise<void>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false
    const onAbort = () => {
      if (settled) return
      settled = true
      reject(signal.reason)
      work.then(cleanup, () => {})
    }
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        if (settled) return
        settled = true
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        if (settled) return
        settled = true
        reject(error)
      },
    )
  })
}
