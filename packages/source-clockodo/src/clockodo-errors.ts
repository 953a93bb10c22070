import { HttpError, isHttpError, isSluiceError, SluiceError } from '@sluice/core'

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}

function routeOf(url: string, baseUrl: string): string {
  const withoutQuery = url.split('?')[0] ?? url
  return withoutQuery.startsWith(baseUrl) ? withoutQuery.slice(baseUrl.length) || '/' : withoutQuery
}

/**
 * Turns an HTTP failure of one resource into the error the runner understands:
 * - 401 → `AUTH_FAILED` (credentials rejected; where to get an API key),
 * - 403 → `RESOURCE_SKIPPED` (the runner skips the resource with a warning), or `RESOURCE_FORBIDDEN` when strict,
 * - 410 → `ROUTE_RETIRED` naming the route,
 * - 404 on a route marked `unconfirmed` → `RESOURCE_SKIPPED` (or `RESOURCE_NOT_FOUND` when strict),
 * - `HTTP_TOO_LARGE` → the same, saying which setting raises the cap.
 * An error status from another origin than the base URL's (after a redirect: sent without credentials) says so
 * and how to set the base URL; other errors pass through unchanged. Messages carry the API user (an e-mail), never the key.
 */
export function mapClockodoError(
  error: unknown,
  info: {
    resource: string
    path: string
    apiUser: string
    baseUrl: string
    strict: boolean
    unconfirmed?: boolean
  },
): unknown {
  if (isSluiceError(error, 'HTTP_TOO_LARGE')) {
    const message = error.hint ? error.message.slice(0, -(error.hint.length + 2)) : error.message
    return new SluiceError('HTTP_TOO_LARGE', `[clockodo] ${message}`, {
      cause: error,
      hint: 'if Clockodo really sends pages this large, set SOURCES__CLOCKODO__MAX_RESPONSE_BYTES (or max_response_bytes in [sources.clockodo] of .sluice/config.toml) higher than the default 67108864; check SOURCES__CLOCKODO__BASE_URL too',
    })
  }
  if (!isHttpError(error)) return error
  const origin = originOf(error.url)
  if (origin !== originOf(info.baseUrl)) {
    // an answer from another origin (after a redirect), which got no credentials: not "rejected credentials"
    const message = error.hint ? error.message.slice(0, -(error.hint.length + 2)) : error.message
    return new HttpError(`[clockodo] ${message}`, {
      status: error.status,
      url: error.url,
      cause: error,
      hint: `Clockodo redirected to ${origin}, which gets no API user or key from sluice (they go only to the base URL's origin); if Clockodo moved, set SOURCES__CLOCKODO__BASE_URL to its new address`,
    })
  }
  const route = routeOf(error.url, info.baseUrl) || info.path
  if (error.status === 401) {
    return new SluiceError(
      'AUTH_FAILED',
      `[clockodo] the credentials were rejected (HTTP 401 on GET ${route}) for API user ${info.apiUser}`,
      {
        cause: error,
        hint: 'check SOURCES__CLOCKODO__API_USER (the e-mail you log in with) and SOURCES__CLOCKODO__API_KEY; the API key is on the "Personal data" page in Clockodo (use the key of an owner or admin user: a key sees only what its user may see)',
      },
    )
  }
  if (error.status === 403) {
    const message = `[clockodo] the API key of ${info.apiUser} has no rights for ${info.resource} (HTTP 403 on GET ${route})`
    if (info.strict) {
      return new SluiceError('RESOURCE_FORBIDDEN', message, {
        cause: error,
        hint: 'use the API key of an owner or admin user, leave the resource out with --resources, or run without --strict to skip it',
      })
    }
    return new SluiceError('RESOURCE_SKIPPED', `${message}; skipped`, {
      cause: error,
      hint: 'use the API key of an owner or admin user to load it',
    })
  }
  if (error.status === 404 && info.unconfirmed) {
    const message = `[clockodo] this account does not offer GET ${route} for ${info.resource} (HTTP 404; the route is not in Clockodo's published spec)`
    return info.strict
      ? new SluiceError('RESOURCE_NOT_FOUND', message, {
          cause: error,
          hint: 'leave the resource out with --resources, or run without --strict to skip it',
        })
      : new SluiceError('RESOURCE_SKIPPED', `${message}; skipped`, { cause: error })
  }
  if (error.status === 410) {
    return new SluiceError(
      'ROUTE_RETIRED',
      `[clockodo] Clockodo retired the route GET ${route} (HTTP 410 Gone) used for ${info.resource}`,
      {
        cause: error,
        hint: 'update @sluice/source-clockodo to a version that uses the current route, or leave the resource out with --resources',
      },
    )
  }
  return error
}

/** True for the error {@link mapClockodoError} returns for a 403 when not strict. */
export function isResourceSkipped(error: unknown): boolean {
  return isSluiceError(error, 'RESOURCE_SKIPPED')
}
