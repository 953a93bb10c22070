import { SluiceError } from '../errors.ts'
import type { RestApiSourceConfig } from './rest-api-types.ts'

/**
 * dlt's `RESTAPIConfig` spelling, mapped once at the entry of `restApiSource`: snake_case keys become the
 * camelCase ones (`base_url` → `baseUrl`, `data_selector` → `dataSelector` ...), the few keys whose names differ
 * are renamed (`status_code` → `status`, an api_key auth's `api_key` → `value`, a JWT bearer auth's `auth_endpoint`,
 * `scopes` and `default_token_expiration` → `accessTokenUrl`, `scope`, `defaultExpiresInSeconds`,
 * `schema_contract` → `contract`),
 * dlt's incremental forms (`params: { since: { type: 'incremental', ... } }` and an endpoint incremental's
 * `start_param`/`end_param`) become `endpoint.incremental` plus `{incremental.*}` placeholders, `auth: { token }`
 * becomes a bearer auth, and a missing source name becomes `rest_api` (dlt's default). User data keeps its
 * spelling: query params, headers, JSON and form bodies, column names. A camelCase config passes unchanged.
 */
export function fromDltConfig(config: RestApiSourceConfig): RestApiSourceConfig {
  if (!isPlainObject(config)) return config
  const top = rename('config', config, {})
  if (top['name'] === undefined && Object.keys(config).some((k) => k.includes('_'))) top['name'] = 'rest_api'
  if (top['name'] === undefined && isPlainObject(config['client']) && 'base_url' in config['client'])
    top['name'] = 'rest_api'
  if (isPlainObject(top['client'])) top['client'] = client(top['client'])
  if (isPlainObject(top['resourceDefaults'])) top['resourceDefaults'] = resource(top['resourceDefaults'])
  if (Array.isArray(top['resources']))
    top['resources'] = top['resources'].map((r) => (isPlainObject(r) ? resource(r) : r))
  return top as unknown as RestApiSourceConfig
}

type Obj = Record<string, unknown>

const isPlainObject = (v: unknown): v is Obj =>
  !!v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())

/** A copy of `obj` with snake_case keys in camelCase (`special` renames first); both spellings at once fail. */
function rename(where: string, obj: Obj, special: Record<string, string>): Obj {
  const out: Obj = {}
  for (const [key, value] of Object.entries(obj)) {
    const to = special[key] ?? camel(key)
    if (to !== key && to in obj) {
      throw new SluiceError('CONFIG_INVALID', `rest_api config: ${where} has both ${key} and ${to}`, {
        hint: `keep one of them (sluice reads dlt's ${key} as ${to})`,
      })
    }
    out[to] = value
  }
  return out
}

function client(c: Obj): Obj {
  const out = rename('client', c, {})
  if (isPlainObject(out['auth'])) out['auth'] = auth(out['auth'])
  out['paginator'] = paginator(out['paginator'])
  if (out['paginator'] === undefined) delete out['paginator']
  return out
}

function auth(a: Obj): Obj {
  if (typeof a['apply'] === 'function') return a // a custom Auth object, used as it is
  // dlt's OAuthJWTAuth names: auth_endpoint, scopes, default_token_expiration
  const jwt = a['type'] === 'oauth2_jwt_bearer'
  const out = rename(
    'auth',
    a,
    jwt
      ? {
          auth_endpoint: 'accessTokenUrl',
          scopes: 'scope',
          default_token_expiration: 'defaultExpiresInSeconds',
        }
      : { api_key: 'value' },
  )
  if (out['type'] === undefined && typeof out['token'] === 'string' && Object.keys(out).length === 1)
    return { type: 'bearer', token: out['token'] }
  return out
}

function paginator(p: unknown): unknown {
  return isPlainObject(p) && typeof p['first'] !== 'function' ? rename('paginator', p, {}) : p
}

function resource(r: Obj): Obj {
  const out = rename(`resource ${String(r['name'] ?? '')}`.trim(), r, { schema_contract: 'contract' })
  if (Array.isArray(out['processingSteps'])) {
    // dlt's { yield_map: fn } step; { map } and { filter } are spelled alike
    out['processingSteps'] = out['processingSteps'].map((step: unknown) =>
      isPlainObject(step) && 'yield_map' in step && Object.keys(step).length === 1
        ? { yieldMap: step['yield_map'] }
        : step,
    )
  }
  if (isPlainObject(out['columns'])) {
    out['columns'] = Object.fromEntries(
      Object.entries(out['columns']).map(([name, hint]) => [
        name,
        isPlainObject(hint) ? rename(`columns.${name}`, hint, {}) : hint,
      ]),
    )
  }
  if (isPlainObject(out['endpoint'])) out['endpoint'] = endpoint(out['endpoint'])
  return out
}

function endpoint(e: Obj): Obj {
  const out = rename('endpoint', e, {})
  if (out['paginator'] !== undefined) out['paginator'] = paginator(out['paginator'])
  if (isPlainObject(out['auth'])) out['auth'] = auth(out['auth'])
  if (Array.isArray(out['responseActions'])) {
    out['responseActions'] = out['responseActions'].map((a) =>
      isPlainObject(a) ? rename('response_actions', a, { status_code: 'status' }) : a,
    )
  }
  if (isPlainObject(out['incremental'])) {
    const { startParam, endParam, ...inc } = rename('incremental', out['incremental'], {})
    out['incremental'] = inc
    const params: Obj = isPlainObject(out['params']) ? { ...out['params'] } : {}
    if (typeof startParam === 'string') params[startParam] = '{incremental.start_value}'
    if (typeof endParam === 'string') params[endParam] = '{incremental.end_value}'
    if (startParam !== undefined || endParam !== undefined) out['params'] = params
  }
  if (isPlainObject(out['params'])) {
    const params: Obj = {}
    for (const [k, v] of Object.entries(out['params'])) {
      if (isPlainObject(v) && v['type'] === 'incremental') {
        const { type: _, ...inc } = rename(`params.${k}`, v, {})
        if (out['incremental'] !== undefined) {
          throw new SluiceError(
            'CONFIG_INVALID',
            `rest_api config: endpoint ${String(out['path'])} has an incremental param ${k} and an incremental`,
            { hint: 'an endpoint has one incremental: keep one of them' },
          )
        }
        out['incremental'] = inc
        params[k] = '{incremental.start_value}'
      } else params[k] = v
    }
    out['params'] = params
  }
  return out
}
