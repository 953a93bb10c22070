import { SluiceError } from '@sluice/core/destination'
import type { DatabricksAuth } from './databricks-credentials.ts'
import { DATABRICKS_CREDENTIALS_SETTING } from './databricks-credentials.ts'
import { DatabricksApiError, mapDatabricksError } from './databricks-errors.ts'

/** Where the bearer token of each request comes from. */
export interface TokenSource {
  /** The token to send now: a personal access token, or an OAuth token fetched (again) when it is about to expire. */
  token(signal?: AbortSignal): Promise<string>
  /**
   * Forgets `rejected` after the API answered 401 with it. True when a new token can be fetched (OAuth), false when
   * there is nothing to refresh (a personal access token).
   */
  invalidate(rejected: string): boolean
}

/** Options of {@link oauthTokenSource}. */
export interface OAuthTokenOptions {
  /** `https://<workspace host>`: the token endpoint is `<baseUrl>/oidc/v1/token`. */
  baseUrl: string
  clientId: string
  /** Secret: sent only to the workspace's token endpoint. */
  clientSecret: string
  fetch?: typeof fetch
  /** The clock (tests). Default `Date.now`. */
  now?: () => number
}

/** A token source for a personal access token: always the same token, nothing to refresh. */
export function staticTokenSource(accessToken: string): TokenSource {
  return { token: async () => accessToken, invalidate: () => false }
}

function basic(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`)
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return `Basic ${btoa(binary)}`
}

/**
 * OAuth machine-to-machine for a service principal: `POST <workspace>/oidc/v1/token` with
 * `grant_type=client_credentials&scope=all-apis` and the client id and secret as HTTP basic authentication. The
 * token is kept and fetched again once less than a minute (at most half its lifetime) is left, or when the API
 * rejected it; concurrent callers share one request.
 */
export function oauthTokenSource(options: OAuthTokenOptions): TokenSource {
  const fetchFn = options.fetch ?? fetch
  const now = options.now ?? Date.now
  const url = `${options.baseUrl}/oidc/v1/token`
  let current: { token: string; refreshAt: number } | undefined
  let pending: Promise<string> | undefined
  const host = new URL(options.baseUrl).host
  const fail = (error: unknown) =>
    mapDatabricksError(error, { host, action: 'OAuth token request', secrets: [options.clientSecret] })
  async function fetchToken(): Promise<string> {
    let response: Response
    try {
      response = await fetchFn(url, {
        method: 'POST',
        headers: {
          authorization: basic(options.clientId, options.clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: 'grant_type=client_credentials&scope=all-apis',
      })
    } catch (error) {
      throw fail(error)
    }
    const text = await response.text()
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown }
    try {
      body = JSON.parse(text) as typeof body
    } catch {
      body = {}
    }
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      const reason = String(body.error_description ?? body.error ?? response.statusText)
      throw new SluiceError(
        'DESTINATION_AUTH',
        `[databricks] the OAuth token request on ${host} was refused (${reason})`,
        {
          hint: `check client_id and client_secret (an OAuth secret of the service principal) in ${DATABRICKS_CREDENTIALS_SETTING}`,
        },
      )
    }
    if (!response.ok || typeof body.access_token !== 'string') {
      throw fail(
        new DatabricksApiError(`token endpoint answered HTTP ${response.status}`, {
          status: response.status,
        }),
      )
    }
    const lifetime = (typeof body.expires_in === 'number' ? body.expires_in : 3600) * 1000
    current = { token: body.access_token, refreshAt: now() + lifetime - Math.min(60_000, lifetime / 2) }
    return body.access_token
  }
  return {
    token(): Promise<string> {
      if (current && now() < current.refreshAt) return Promise.resolve(current.token)
      pending ??= fetchToken().finally(() => {
        pending = undefined
      })
      return pending
    },
    invalidate(rejected: string): boolean {
      if (current?.token === rejected) current = undefined
      return true
    },
  }
}

/** The token source for the configured authentication. */
export function tokenSourceFor(auth: DatabricksAuth, baseUrl: string, fetchFn?: typeof fetch): TokenSource {
  if (auth.kind === 'token') return staticTokenSource(auth.accessToken)
  return oauthTokenSource({
    baseUrl,
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
    ...(fetchFn ? { fetch: fetchFn } : {}),
  })
}
