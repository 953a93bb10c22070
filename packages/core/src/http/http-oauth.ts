// OAuth2 grants that fetch an access token and cache it until shortly before it expires: client credentials
// (RFC 6749 §4.4) and the JWT bearer grant (RFC 7523), whose assertion is signed here with Web Crypto.
import { redact, SluiceError } from '../errors.ts'
import { BodyTooLargeError, decodeLenient, readStream } from './http-body.ts'
import { systemClock } from './http-clock.ts'
import { base64Utf8, requireString } from './http-credentials.ts'
import { importRsaPrivateKey, pkcs8Body, signJwt } from './http-jwt.ts'
import type { Auth, AuthConfig, Clock } from './http-types.ts'

/** What the token requests of a grant need: fetch, the clock, a timeout. */
export interface TokenOptions {
  /** Default global fetch. */
  fetch?: typeof fetch
  /** Default `systemClock`. */
  clock?: Clock
  /** Abort a token request after this long; default 60000. */
  timeoutMs?: number
}

/** Cap of a token endpoint's answer: 1 MiB. */
const TOKEN_RESPONSE_BYTES = 1024 * 1024

/** One OAuth2 grant: how to ask the token endpoint for a token. */
interface Grant {
  readonly tokenUrl: string
  /** The form (and headers) of one token request made at `nowMs`. */
  request(nowMs: number): Promise<{ form: URLSearchParams; headers?: Record<string, string> }>
  /** Values to redact: the grant's secrets and any made per request (such as the last assertion). */
  secrets(): string[]
  /** Token lifetime when the endpoint sends no `expires_in`. */
  readonly defaultExpiresInSeconds: number
  /** What to check when the endpoint refuses (400, 401). */
  readonly refusedHint: string
}

/** An {@link Auth} that sends `Bearer <token>` with a token of `grant`, fetched once and reused until it expires. */
class OAuth2Token implements Auth {
  private token: string | undefined
  private expiresAt = 0
  private pending: Promise<string> | undefined
  private readonly clock: Clock

  constructor(
    private readonly grant: Grant,
    private readonly options: TokenOptions,
  ) {
    this.clock = options.clock ?? systemClock
  }

  get secrets(): readonly string[] {
    const s = this.grant.secrets()
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
    const url = this.grant.tokenUrl
    const started = this.clock.now()
    const { form, headers: extra } = await this.grant.request(started)
    const headers = new Headers({
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...extra,
    })
    const doFetch = this.options.fetch ?? globalThis.fetch
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 60_000)
    const sig = signal ? anySignal([signal, timeout]) : timeout
    let res: Response
    try {
      // redirects are not followed: the form carries the credentials, and a 307 would take them along
      res = await doFetch(url, {
        method: 'POST',
        headers,
        body: form.toString(),
        signal: sig,
        redirect: 'manual',
      })
    } catch (cause) {
      if (signal?.aborted) throw signal.reason
      throw new SluiceError('HTTP_AUTH', `could not reach the OAuth2 token endpoint ${safeUrl(url)}`, {
        cause: scrub(cause, this.secrets),
        transient: true,
        hint: 'check accessTokenUrl and the network',
      })
    }
    if ((res.status >= 300 && res.status < 400) || res.type === 'opaqueredirect') {
      await res.body?.cancel().catch(() => undefined)
      const location = res.headers.get('location')
      throw new SluiceError(
        'HTTP_AUTH',
        `the OAuth2 token endpoint ${safeUrl(url)} answered a redirect (HTTP ${res.status}${location ? ` to ${safeUrl(new URL(location, url).href)}` : ''}); sluice does not send the credentials on`,
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
        `reading the answer of the OAuth2 token endpoint ${safeUrl(url)} failed${cause instanceof BodyTooLargeError ? `: it is larger than ${TOKEN_RESPONSE_BYTES} bytes` : ''}`,
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
      const secrets = this.secrets.flatMap((s) => [s, formEncode(s)])
      throw new SluiceError(
        'HTTP_AUTH',
        redact(
          `the OAuth2 token endpoint ${safeUrl(url)} answered ${res.status}${detail ? ` (${detail.slice(0, 200)})` : ''} without an access token`,
          secrets,
        ),
        {
          transient: res.status === 429 || res.status >= 500,
          hint: res.status === 401 || res.status === 400 ? this.grant.refusedHint : 'check accessTokenUrl',
        },
      )
    }
    const lifetime =
      typeof body.expires_in === 'number' && body.expires_in > 0
        ? body.expires_in
        : Number(body.expires_in) > 0
          ? Number(body.expires_in)
          : this.grant.defaultExpiresInSeconds
    // refresh before expiry: 60 s early, or 10% early for short-lived tokens
    const skewMs = Math.min(60_000, lifetime * 100)
    this.token = body.access_token
    this.expiresAt = started + lifetime * 1000 - skewMs
    return this.token
  }
}

type ClientCredentialsConfig = Extract<AuthConfig, { type: 'oauth2_client_credentials' }>
type JwtBearerConfig = Extract<AuthConfig, { type: 'oauth2_jwt_bearer' }>

/** OAuth2 client-credentials grant (`client_secret_post` or `client_secret_basic`) with a cached token. */
export function clientCredentialsAuth(c: ClientCredentialsConfig, options: TokenOptions): Auth {
  requireString(c.accessTokenUrl, 'accessTokenUrl')
  requireString(c.clientId, 'clientId')
  requireString(c.clientSecret, 'clientSecret')
  return new OAuth2Token(
    {
      tokenUrl: c.accessTokenUrl,
      defaultExpiresInSeconds: c.defaultExpiresInSeconds ?? 3600,
      refusedHint: 'check clientId/clientSecret and authMethod (client_secret_post or client_secret_basic)',
      secrets: () => [c.clientSecret, base64Utf8(`${c.clientId}:${c.clientSecret}`)],
      request: async () => {
        const form = new URLSearchParams({ grant_type: 'client_credentials' })
        if (c.scope) form.set('scope', c.scope)
        for (const [k, v] of Object.entries(c.extraParams ?? {})) form.set(k, v)
        if (c.authMethod !== 'client_secret_basic') {
          form.set('client_id', c.clientId)
          form.set('client_secret', c.clientSecret)
          return { form }
        }
        const basic = base64Utf8(`${formEncode(c.clientId)}:${formEncode(c.clientSecret)}`)
        return { form, headers: { Authorization: `Basic ${basic}` } }
      },
    },
    options,
  )
}

/**
 * OAuth2 JWT bearer grant (RFC 7523 §2.1, a service account's flow): each token request sends an assertion signed
 * with the private key (RS256, Web Crypto) whose claims are `iss` = clientId, `sub` = subject (default clientId),
 * `aud` = audience (default accessTokenUrl), `iat`, `exp` = iat + assertionLifetimeSeconds and `scope`. The token
 * is cached until shortly before it expires.
 */
export function jwtBearerAuth(c: JwtBearerConfig, options: TokenOptions): Auth {
  requireString(c.accessTokenUrl, 'accessTokenUrl')
  requireString(c.clientId, 'clientId')
  requireString(c.privateKey, 'privateKey')
  const lifetime = c.assertionLifetimeSeconds ?? 3600
  if (!(Number.isInteger(lifetime) && lifetime > 0)) {
    throw new SluiceError('CONFIG_INVALID', 'auth.assertionLifetimeSeconds must be a positive whole number', {
      hint: 'the default is 3600 (one hour, the most token endpoints accept)',
    })
  }
  // a key of another format fails here, when the config is read; the body and its lines are redacted too
  const body = pkcs8Body(c.privateKey)
  const keyParts = [
    body,
    ...c.privateKey
      .replace(/\\n/g, '\n')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length >= 16 && !l.startsWith('-----')),
  ]
  let key: Promise<CryptoKey> | undefined
  let lastAssertion: string | undefined
  return new OAuth2Token(
    {
      tokenUrl: c.accessTokenUrl,
      defaultExpiresInSeconds: c.defaultExpiresInSeconds ?? 3600,
      refusedHint:
        'check clientId, the private key (is it the one registered for clientId?), subject, audience and scope',
      secrets: () => [c.privateKey, ...keyParts, ...(lastAssertion ? [lastAssertion] : [])],
      request: async (nowMs) => {
        key ??= importRsaPrivateKey(c.privateKey)
        const iat = Math.floor(nowMs / 1000)
        const scope = typeof c.scope === 'string' ? c.scope : c.scope?.join(' ')
        const claims = {
          iss: c.clientId,
          sub: c.subject ?? c.clientId,
          aud: c.audience ?? c.accessTokenUrl,
          iat,
          exp: iat + lifetime,
          ...(scope ? { scope } : {}),
        }
        lastAssertion = await signJwt(claims, await key, c.privateKeyId)
        const form = new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: lastAssertion,
        })
        for (const [k, v] of Object.entries(c.extraParams ?? {})) form.set(k, v)
        return { form }
      },
    },
    options,
  )
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
function anySignal(signals: AbortSignal[]): AbortSignal {
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
