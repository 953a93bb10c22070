// Which origins get credentials, and what counts as a credential in a request.
import { SluiceError } from '../errors.ts'

/** Headers that carry credentials whoever set them. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie'])

/** The origins that receive credentials: the base URL's and the allowed hosts'. */
export interface OriginPolicy {
  /** True when `url` may receive credentials. */
  trusts(url: URL): boolean
  /** The trusted origins, for messages. */
  readonly origins: readonly string[]
}

function originOf(entry: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `https://${entry}`
  const url = new URL(withScheme)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)')
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password)
    throw new Error('more than an origin')
  return url.origin
}

/**
 * The origin policy of a client: credentials go to the origin (scheme, host and port) of `baseUrl` and of each
 * entry of `allowedHosts` (an origin such as `https://files.example.com:8443`, or a host name, meaning https on
 * its default port). An http origin on its default port also trusts https on the same host (an upgrade); https
 * never trusts http. Throws `CONFIG_INVALID` for an entry that is not an origin or a host name.
 */
export function originPolicy(baseUrl: string, allowedHosts: readonly string[] = []): OriginPolicy {
  const origins = new Set([new URL(baseUrl).origin])
  for (const entry of allowedHosts) {
    try {
      origins.add(originOf(String(entry).trim()))
    } catch {
      throw new SluiceError(
        'CONFIG_INVALID',
        `client.allowedHosts: ${JSON.stringify(entry)} is not a host name or an http(s) origin`,
        { hint: 'e.g. "files.example.com" (https) or "http://127.0.0.1:8080", without a path' },
      )
    }
  }
  const trusted = new Set(origins)
  for (const o of origins) {
    const u = new URL(o)
    if (u.protocol === 'http:' && u.port === '') trusted.add(`https://${u.host}`)
  }
  return { trusts: (url) => trusted.has(url.origin), origins: [...origins] }
}

/**
 * True when a header is a credential: `Authorization`, `Proxy-Authorization`, `Cookie`, or a header whose value
 * holds one of `secrets` (a key set as a plain header and listed in the client's `secrets`).
 */
export function isCredentialHeader(name: string, value: string, secrets: readonly string[]): boolean {
  if (CREDENTIAL_HEADERS.has(name.toLowerCase())) return true
  for (const s of secrets) if (s.length >= 4 && value.includes(s)) return true
  return false
}

/** Removes query parameters that carry credentials (the auth's parameter, or a secret as value) from `url`. */
export function stripQueryCredentials(url: URL, params: readonly string[], secrets: readonly string[]): void {
  for (const [name, value] of [...url.searchParams]) {
    if (params.includes(name) || secrets.some((s) => s.length >= 4 && value.includes(s))) {
      url.searchParams.delete(name)
    }
  }
}
