import { redact, SluiceError } from '../errors.ts'
import { BodyTooLargeError, decodeLenient, readStream } from './http-body.ts'
import { systemClock } from './http-clock.ts'
import type { Auth, AuthConfig, Clock } from './http-types.ts'

/** Base64 of a UTF-8 string (runtime-neutral). */
export function base64Utf8(text: string): string {
  let bin = ''
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b)
  return btoa(bin)
}

function requireString(value: unknown, key: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new SluiceError('CONFIG_INVALID', `auth.${key} must be a non-empty string`, {
      hint: 'set it in the auth config (secrets usually come from the environment or .sluice/secrets.toml)',
    })
  }
  return value
}

/** True when `auth` is a custom {@link Auth} object rather than an {@link AuthConfig}. */
export function isAuth(auth: AuthConfig | Auth): auth is Auth {
  return typeof (auth as Auth).apply === 'function'
}

/** Options of {@link createAuth}. */
export interface CreateAuthOptions {
  /** Used for OAuth2 token requests; default global fetch. */
  fetch?: typeof fetch
  clock?: Clock
  /** Abort token requests after this long; default 60000. */
  timeoutMs?: number
}

/**
 * Turns an {@link AuthConfig} into an {@link Auth}; a custom Auth object is returned as it is.
 * Throws `CONFIG_INVALID` for missing fields or an unknown type.
 */
export function createAuth(config: AuthConfig | Auth, options: CreateAuthOptions = {}): Auth {
  if (isAuth(config)) return config
  switch (config.type) {
    case 'api_key': {
      const name = config.name ?? 'Authorization'
      const value = requireString(config.value, 'value')
      if (config.location === 'query') {
        return {
          secrets: [value],
          apply: ({ url }) => url.searchParams.set(name, value),
          queryParam: name,
        } as Auth
      }
      return { secrets: [value], apply: ({ headers }) => headers.set(name, value) }
    }
    case 'api_keys': {
      const entries = Object.entries(config.headers ?? {})
      if (entries.length === 0) {
        throw new SluiceError('CONFIG_INVALID', 'auth.headers must name at least one header', {
          hint: 'e.g. { type: "api_keys", headers: { "X-Api-Key": "..." } }',
        })
      }
      for (const [k, v] of entries) requireString(v, `headers.${k}`)
      return {
        secrets: entries.map(([, v]) => v),
        apply: ({ headers }) => {
          for (const [k, v] of entries) headers.set(k, v)
        },
      }
    }
    case 'http_basic': {
      const user = requireString(config.username, 'username')
      const password =
        typeof config.password === 'string' ? config.password : requireString(undefined, 'password')
      const token = base64Utf8(`${user}:${password}`)
      return {
        secrets: [password, token],
        apply: ({ headers }) => headers.set('Authorization', `Basic ${token}`),
      }
    }
    case 'bearer': {
      const token = requireString(config.token, 'token')
      return { secrets: [token], apply: ({ headers }) => headers.set('Authorization', `Bearer ${token}`) }
    }
    case 'oauth2_client_credentials':
      return new OAuth2ClientCredentials(config, options)
    default:
      throw new SluiceError(
        'CONFIG_INVALID',
        `auth.type "${String((config as { type?: unknown }).type)}" is unknown`,
        {
          hint: 'use api_key, api_keys, http_basic, bearer or oauth2_client_credentials, or pass an object with apply()',
        },
      )
  }
}

/** The query parameter an api_key auth writes, if any (its value is redacted from URLs). */
export function authQueryParam(auth: Auth): string | undefined {
  return (auth as { queryParam?: string }).queryParam
}

/** Cap of a token endpoint's answer: 1 MiB. */
const TOKEN_RESPONSE_BYTES = 1024 * 1024

type OAuthConfig = Extract<AuthConfig, { type: 'oauth2_client_credentials' }>

/** OAuth2 client-credentials grant with a cached token that is refreshed shortly before it expires. */
class OAuth2ClientCredentials implements Auth {
  private token: string | undefined
  private expiresAt = 0
  private pending: Promise<string> | undefined
  private readonly clock: Clock
  private readonly config: OAuthConfig

  constructor(
    config: OAuthConfig,
    private readonly options: CreateAuthOptions,
  ) {
    requireString(config.accessTokenUrl, 'accessTokenUrl')
    requireString(config.clientId, 'clientId')
    requireString(config.clientSecret, 'clientSecret')
    this.config = config
    this.clock = options.clock ?? systemClock
  }

  get secrets(): readonly string[] {
    const s = [this.config.clientSecret, base64Utf8(`${this.config.clientId}:${this.config.clientSecret}`)]
    if (this.token) s.push(this.token)
    return s
  }

  invalidate(): void {
    this.token = undefined
    this.expiresAt = 0
  }

  async apply(req: { url: URL; headers: Headers }, signal?: AbortSignal): Promise<void> {
    req.headers.set('Authorization', `Bearer ${await this.getToken(signal)}`)
  }

  private getToken(signal?: AbortSignal): Promise<string> {
    if (this.token && this.clock.now() < this.expiresAt) return Promise.resolve(this.token)
    if (!this.pending) {
      this.pending = this.fetchToken(signal).finally(() => {
        this.pending = undefined
      })
    }
    return this.pending
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    const c = this.config
    const form = new URLSearchParams({ grant_type: 'client_credentials' })
    if (c.scope) form.set('scope', c.scope)
    for (const [k, v] of Object.entries(c.extraParams ?? {})) form.set(k, v)
    const headers = new Headers({
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    })
    if (c.authMethod === 'client_secret_basic') {
      const id = formEncode(c.clientId)
      const secret = formEncode(c.clientSecret)
      headers.set('Authorization', `Basic ${base64Utf8(`${id}:${secret}`)}`)
    } else {
      form.set('client_id', c.clientId)
      form.set('client_secret', c.clientSecret)
    }
    const doFetch = this.options.fetch ?? globalThis.fetch
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 60_000)
    const sig = signal ? anySignal([signal, timeout]) : timeout
    const started = this.clock.now()
    let res: Response
    try {
      // redirects are not followed: the form carries the client secret, and a 307 would take it along
      res = await doFetch(c.accessTokenUrl, {
        method: 'POST',
        headers,
        body: form.toString(),
        signal: sig,
        redirect: 'manual',
      })
    } catch (cause) {
      if (signal?.aborted) throw signal.reason
      throw new SluiceError(
        'HTTP_AUTH',
        `could not reach the OAuth2 token endpoint ${safeUrl(c.accessTokenUrl)}`,
        {
          cause: scrub(cause, this.secrets),
          transient: true,
          hint: 'check accessTokenUrl and the network',
        },
      )
    }
    if ((res.status >= 300 && res.status < 400) || res.type === 'opaqueredirect') {
      await res.body?.cancel().catch(() => undefined)
      throw new SluiceError(
        'HTTP_AUTH',
        `the OAuth2 token endpoint ${safeUrl(c.accessTokenUrl)} answered a redirect (HTTP ${res.status}${res.headers.get('location') ? ` to ${safeUrl(new URL(res.headers.get('location')!, c.accessTokenUrl).href)}` : ''}); sluice does not send the client secret on`,
        { hint: 'set accessTokenUrl to the final URL of the token endpoint' },
      )
    }
    let text: string
    try {
      text = decodeLenient(await readStream(res.body, TOKEN_RESPONSE_BYTES))
    } catch (cause) {
      if (signal?.aborted) throw signal.reason
      throw new SluiceError(
        'HTTP_AUTH',
        `reading the answer of the OAuth2 token endpoint ${safeUrl(c.accessTokenUrl)} failed${cause instanceof BodyTooLargeError ? `: it is larger than ${TOKEN_RESPONSE_BYTES} bytes` : ''}`,
        {
          cause: scrub(cause, this.secrets),
          transient: !(cause instanceof BodyTooLargeError),
          hint: 'check accessTokenUrl',
        },
      )
    }
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown }
    try {
      body = JSON.parse(text)
    } catch {
      body = {}
    }
    if (!res.ok || typeof body.access_token !== 'string' || body.access_token === '') {
      const detail = [body.error, body.error_description].filter((x) => typeof x === 'string').join(': ')
      throw new SluiceError(
        'HTTP_AUTH',
        redact(
          `the OAuth2 token endpoint ${safeUrl(c.accessTokenUrl)} answered ${res.status}${detail ? ` (${detail.slice(0, 200)})` : ''} without an access token`,
          [...this.secrets, formEncode(c.clientSecret)],
        ),
        {
          transient: res.status === 429 || res.status >= 500,
          hint:
            res.status === 401 || res.status === 400
              ? 'check clientId/clientSecret and authMethod (client_secret_post or client_secret_basic)'
              : 'check accessTokenUrl',
        },
      )
    }
    const lifetime =
      typeof body.expires_in === 'number' && body.expires_in > 0
        ? body.expires_in
        : Number(body.expires_in) > 0
          ? Number(body.expires_in)
          : (c.defaultExpiresInSeconds ?? 3600)
    // refresh before expiry: 60 s early, or 10% early for short-lived tokens
    const skewMs = Math.min(60_000, lifetime * 100)
    this.token = body.access_token
    this.expiresAt = started + lifetime * 1000 - skewMs
    return this.token
  }
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    u.search = ''
    return u.toString()
  } catch {
    return '<invalid URL>'
  }
}

function scrub(cause: unknown, secrets: readonly string[]): unknown {
  if (!(cause instanceof Error)) return undefined
  let m = cause.message
  for (const s of secrets) if (s.length >= 4) m = m.split(s).join('***')
  return new Error(m)
}

/** `AbortSignal.any` where available, otherwise a manual combination. */
export function anySignal(signals: AbortSignal[]): AbortSignal {
  const anyFn = (AbortSignal as unknown as { any?: (s: AbortSignal[]) => AbortSignal }).any
  if (anyFn) return anyFn.call(AbortSignal, signals)
  const ctrl = new AbortController()
  for (const s of signals) {
    if (s.aborted) {
      ctrl.abort(s.reason)
      break
    }
    s.addEventListener('abort', () => ctrl.abort(s.reason), { once: true })
  }
  return ctrl.signal
}

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 appendix B). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2)
}
