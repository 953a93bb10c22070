import { SluiceError } from '../errors.ts'
import { base64Utf8, requireString } from './http-credentials.ts'
import { clientCredentialsAuth, jwtBearerAuth } from './http-oauth.ts'
import type { Auth, AuthConfig, Clock } from './http-types.ts'

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
      return clientCredentialsAuth(config, options)
    case 'oauth2_jwt_bearer':
      return jwtBearerAuth(config, options)
    default:
      throw new SluiceError(
        'CONFIG_INVALID',
        `auth.type "${String((config as { type?: unknown }).type)}" is unknown`,
        {
          hint: 'use api_key, api_keys, http_basic, bearer, oauth2_client_credentials or oauth2_jwt_bearer, or pass an object with apply()',
        },
      )
  }
}

/** The query parameter an api_key auth writes, if any (its value is redacted from URLs). */
export function authQueryParam(auth: Auth): string | undefined {
  return (auth as { queryParam?: string }).queryParam
}
