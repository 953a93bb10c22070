import { SluiceError } from '../errors.ts'
import { parsePath } from '../http/json-path.ts'
import { isPaginatorType, paginatorTypes } from '../http/paginators/create-paginator.ts'
import type { Paginator } from '../http/paginators/paginator-types.ts'
import { incrementalConfigProblem } from './incremental-cursor.ts'
import { findPlaceholders } from './placeholders.ts'
import { responseActionsProblem } from './rest-api-actions.ts'
import {
  AUTH_TYPES,
  CLIENT_KEYS,
  ENDPOINT_KEYS,
  INCREMENTAL_KEYS,
  METHODS,
  PAGINATOR_KEYS,
  RESOURCE_KEYS,
} from './rest-api-keys.ts'
import type {
  RestApiSourceConfig,
  RestEndpointConfig,
  RestResourceConfig,
  RestResourceDefaults,
} from './rest-api-types.ts'
import { writeDispositionProblem } from './write-disposition.ts'

/** A resource after defaults were merged and its parent resolved. */
export interface NormalizedRestResource extends RestResourceConfig {
  endpoint: RestEndpointConfig
  /** Name of the parent resource, if the endpoint references one. */
  parent?: string
  /** Parent fields the endpoint references (`{resources.<parent>.<field>}`). */
  parentFields: string[]
  /** True when the paginator came from the endpoint or resourceDefaults (not the client). */
  ownPaginator: boolean
}

function fail(key: string, problem: string, hint?: string): never {
  throw new SluiceError('CONFIG_INVALID', `rest_api config: ${key} ${problem}`, { hint })
}

function checkKeys(where: string, obj: object, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (key === 'type' || allowed.includes(key)) continue
    fail(`${where}.${key}`, 'is not a known key', `known keys: ${allowed.join(', ')}`)
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype

/** Deep-merges plain objects; `over` wins; arrays, functions and class instances are replaced, not merged. */
export function deepMerge<T>(base: unknown, over: T): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = v === undefined ? base[k] : deepMerge(base[k], v)
  return out as T
}

function checkPaginator(where: string, p: unknown): void {
  if (p === undefined) return
  if (typeof (p as Paginator)?.first === 'function') {
    if (typeof (p as Paginator).next !== 'function') fail(where, 'is a paginator object without next()')
    return
  }
  if (typeof p === 'string') {
    if (!isPaginatorType(p))
      fail(where, `"${p}" is not a paginator type`, `use one of ${paginatorTypes().join(', ')}`)
    if (p === 'offset') fail(where, '"offset" needs a limit', 'write { type: "offset", limit: 100 }')
    return
  }
  if (!isPlainObject(p)) fail(where, 'must be a paginator type, a paginator config object or a Paginator')
  const type = p['type']
  if (typeof type !== 'string' || !isPaginatorType(type)) {
    fail(
      `${where}.type`,
      `"${String(type)}" is not a paginator type`,
      `use one of ${paginatorTypes().join(', ')}`,
    )
  }
  // a registered paginator's factory reads (and checks) its own keys
  if (!PAGINATOR_KEYS[type]) return
  checkKeys(where, p, PAGINATOR_KEYS[type])
  if (type === 'offset' && !(typeof p['limit'] === 'number' && p['limit'] > 0)) {
    fail(`${where}.limit`, 'must be a positive number for an offset paginator')
  }
  for (const k of [
    'totalPath',
    'cursorPath',
    'nextUrlPath',
    'pageBodyPath',
    'cursorBodyPath',
    'hasMorePath',
  ]) {
    if (p[k] !== undefined) checkPath(`${where}.${k}`, p[k])
  }
}

function checkAuth(where: string, auth: unknown): void {
  if (auth === undefined || typeof (auth as { apply?: unknown }).apply === 'function') return
  const type = (auth as { type?: unknown }).type
  if (!AUTH_TYPES.includes(type as string)) {
    fail(`${where}.type`, `"${String(type)}" is not an auth type`, `use one of ${AUTH_TYPES.join(', ')}`)
  }
}

function checkPath(where: string, v: unknown): void {
  if (typeof v !== 'string')
    fail(where, 'must be a string (a JSONPath such as "data" or "$.paging.count_pages")')
  try {
    parsePath(v)
  } catch (e) {
    fail(where, `is not a supported JSONPath: ${(e as Error).message}`)
  }
}

function checkKeyList(where: string, v: unknown): void {
  if (v === undefined) return
  const list = typeof v === 'string' ? [v] : v
  if (!Array.isArray(list) || list.length === 0 || list.some((x) => typeof x !== 'string' || !x)) {
    fail(where, 'must be a column name or a non-empty list of column names')
  }
}

function normalizeParams(
  where: string,
  endpoint: RestEndpointConfig,
): { params: RestEndpointConfig['params']; path: string } {
  let path = endpoint.path
  if (!endpoint.params) return { params: undefined, path }
  if (!isPlainObject(endpoint.params)) fail(`${where}.params`, 'must be an object')
  const params: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(endpoint.params)) {
    if (isPlainObject(v) && v['type'] === 'resolve') {
      if (typeof v['resource'] !== 'string' || typeof v['field'] !== 'string') {
        fail(`${where}.params.${k}`, 'of type "resolve" needs string keys resource and field')
      }
      const ph = `{resources.${v['resource']}.${v['field']}}`
      if (path.includes(`{${k}}`)) path = path.split(`{${k}}`).join(ph)
      else params[k] = ph
      continue
    }
    params[k] = v
  }
  return { params: params as RestEndpointConfig['params'], path }
}

/**
 * Validates a {@link RestApiSourceConfig} and returns its resources with defaults merged. Throws
 * `CONFIG_INVALID` with the path of the bad key (e.g. `resources[2].endpoint.paginator.type`).
 */
export function normalizeRestApiConfig(config: RestApiSourceConfig): NormalizedRestResource[] {
  if (!isPlainObject(config)) fail('config', 'must be an object { name, client, resources }')
  checkKeys('config', config, ['name', 'client', 'resourceDefaults', 'resources', 'contract'])
  if (typeof config.name !== 'string' || !config.name) fail('name', 'must be a non-empty string')
  const client = config.client
  if (!isPlainObject(client)) fail('client', 'must be an object with at least baseUrl')
  checkKeys('client', client, CLIENT_KEYS)
  if (typeof client.baseUrl !== 'string' || !/^https?:\/\/[^/]/i.test(client.baseUrl)) {
    fail('client.baseUrl', 'must be an absolute http(s) URL', 'e.g. "https://my.clockodo.com/api"')
  }
  checkAuth('client.auth', client.auth)
  checkPaginator('client.paginator', client.paginator)
  if (
    client.allowedHosts !== undefined &&
    (!Array.isArray(client.allowedHosts) || client.allowedHosts.some((h) => typeof h !== 'string'))
  ) {
    fail('client.allowedHosts', 'must be a list of host names or origins', 'e.g. ["files.example.com"]')
  }
  const defaults: RestResourceDefaults = config.resourceDefaults ?? {}
  if (!isPlainObject(defaults)) fail('resourceDefaults', 'must be an object')
  checkKeys('resourceDefaults', defaults, RESOURCE_KEYS)
  if (defaults.endpoint !== undefined) {
    if (!isPlainObject(defaults.endpoint)) fail('resourceDefaults.endpoint', 'must be an object')
    checkKeys('resourceDefaults.endpoint', defaults.endpoint, ENDPOINT_KEYS)
    checkPaginator('resourceDefaults.endpoint.paginator', defaults.endpoint.paginator)
  }
  if (!Array.isArray(config.resources) || config.resources.length === 0) {
    fail('resources', 'must be a non-empty list of resources')
  }
  const out: NormalizedRestResource[] = []
  const names = new Set<string>()
  for (const [i, raw] of config.resources.entries()) {
    const where = `resources[${i}]`
    const r: RestResourceConfig = typeof raw === 'string' ? { name: raw, endpoint: raw } : raw
    if (!isPlainObject(r)) fail(where, 'must be a string or an object with a name')
    checkKeys(where, r, RESOURCE_KEYS)
    if (typeof r.name !== 'string' || !r.name.trim()) fail(`${where}.name`, 'must be a non-empty string')
    const w = `${where} ("${r.name}")`
    if (names.has(r.name)) fail(`${w}.name`, 'is used by two resources', 'resource names must be unique')
    names.add(r.name)
    const own: Partial<RestEndpointConfig> =
      typeof r.endpoint === 'string' ? { path: r.endpoint } : (r.endpoint ?? { path: r.name })
    if (!isPlainObject(own)) fail(`${w}.endpoint`, 'must be a path string or an object with a path')
    checkKeys(`${w}.endpoint`, own, ENDPOINT_KEYS)
    const { endpoint: defEndpoint, ...defRest } = defaults
    const merged = deepMerge(defRest, { ...r, endpoint: undefined }) as RestResourceConfig
    let endpoint = deepMerge(defEndpoint ?? {}, own) as RestEndpointConfig
    if (endpoint.path === undefined) endpoint = { ...endpoint, path: r.name }
    if (typeof endpoint.path !== 'string' || !endpoint.path)
      fail(`${w}.endpoint.path`, 'must be a non-empty string')
    if (endpoint.method !== undefined && !METHODS.includes(String(endpoint.method).toUpperCase())) {
      fail(`${w}.endpoint.method`, `"${String(endpoint.method)}" is not an HTTP method`)
    }
    if (endpoint.dataSelector !== undefined) checkPath(`${w}.endpoint.dataSelector`, endpoint.dataSelector)
    checkPaginator(`${w}.endpoint.paginator`, endpoint.paginator)
    if (endpoint.data !== undefined) {
      if (!isPlainObject(endpoint.data)) fail(`${w}.endpoint.data`, 'must be an object of form fields')
      if (endpoint.json !== undefined)
        fail(
          `${w}.endpoint.data`,
          'is set together with json',
          'send either a form body (data) or a JSON body (json)',
        )
    }
    checkAuth(`${w}.endpoint.auth`, endpoint.auth)
    if (endpoint.headers !== undefined && !isPlainObject(endpoint.headers))
      fail(`${w}.endpoint.headers`, 'must be an object')
    const maxPages = endpoint.maxPages
    if (maxPages !== undefined && !(Number.isInteger(maxPages) && maxPages > 0))
      fail(`${w}.endpoint.maxPages`, 'must be a positive whole number', 'the default is 100000')
    const inc = endpoint.incremental
    if (inc !== undefined) {
      if (!isPlainObject(inc)) fail(`${w}.endpoint.incremental`, 'must be an object with a cursorPath')
      checkKeys(`${w}.endpoint.incremental`, inc, INCREMENTAL_KEYS)
      if (typeof inc.cursorPath !== 'string' || !inc.cursorPath) {
        fail(`${w}.endpoint.incremental.cursorPath`, 'must be a non-empty string', 'e.g. "time_last_change"')
      }
      checkPath(`${w}.endpoint.incremental.cursorPath`, inc.cursorPath)
      const bad = incrementalConfigProblem(inc)
      if (bad) fail(`${w}.endpoint.incremental.${bad.key}`, bad.problem, bad.hint)
      if (inc.convert !== undefined && typeof inc.convert !== 'function') {
        fail(`${w}.endpoint.incremental.convert`, 'must be a function')
      }
    }
    if (endpoint.responseActions !== undefined) {
      const bad = responseActionsProblem(endpoint.responseActions)
      if (bad) fail(`${w}.endpoint.responseActions${bad.where}`, bad.problem, bad.hint)
    }
    checkKeyList(`${w}.primaryKey`, merged.primaryKey)
    checkKeyList(`${w}.mergeKey`, merged.mergeKey)
    const wrong = writeDispositionProblem(merged)
    if (wrong) fail(`${w}.writeDisposition`, wrong.problem, wrong.hint)
    for (const [j, step] of (merged.processingSteps ?? []).entries()) {
      const s = step as Record<string, unknown>
      const ok =
        isPlainObject(s) &&
        Object.keys(s).length === 1 &&
        (typeof s['map'] === 'function' ||
          typeof s['filter'] === 'function' ||
          typeof s['yieldMap'] === 'function')
      if (!ok) fail(`${w}.processingSteps[${j}]`, 'must be { map: fn }, { filter: fn } or { yieldMap: fn }')
    }
    const { params, path } = normalizeParams(`${w}.endpoint`, endpoint)
    endpoint = { ...endpoint, params, path }
    const placeholders = findPlaceholders([
      endpoint.path,
      endpoint.params,
      endpoint.json,
      endpoint.data,
      endpoint.headers,
    ])
    const parents = new Set<string>()
    const parentFields: string[] = []
    for (const ph of placeholders) {
      const parts = ph.split('.')
      if (parts[0] === 'resources' && parts.length >= 3) {
        parents.add(parts[1]!)
        parentFields.push(parts.slice(2).join('.'))
      } else if (parts[0] === 'incremental' && parts.length === 2) {
        if (!['start_value', 'end_value', 'last_value', 'initial_value'].includes(parts[1]!)) {
          fail(
            `${w}.endpoint`,
            `uses {${ph}}`,
            'incremental placeholders are start_value, end_value, last_value and initial_value',
          )
        }
        if (!endpoint.incremental)
          fail(`${w}.endpoint`, `uses {${ph}} but has no incremental`, 'add endpoint.incremental')
      } else {
        fail(
          `${w}.endpoint`,
          `uses the unknown placeholder {${ph}}`,
          'use {resources.<parent>.<field>} or {incremental.start_value}',
        )
      }
    }
    if (parents.size > 1)
      fail(
        `${w}.endpoint`,
        `references several parents (${[...parents].join(', ')})`,
        'a child has exactly one parent',
      )
    const parent = [...parents][0]
    if (merged.includeFromParent !== undefined) {
      if (!parent) fail(`${w}.includeFromParent`, 'is set but the endpoint references no parent resource')
      if (
        !Array.isArray(merged.includeFromParent) ||
        merged.includeFromParent.some((f) => typeof f !== 'string')
      ) {
        fail(`${w}.includeFromParent`, 'must be a list of field names')
      }
    }
    const ownPaginator =
      (typeof r.endpoint === 'object' && r.endpoint?.paginator !== undefined) ||
      defEndpoint?.paginator !== undefined
    out.push({ ...merged, name: r.name, endpoint, parent, parentFields, ownPaginator })
  }
  for (const [i, r] of out.entries()) {
    if (!r.parent) continue
    const w = `resources[${i}] ("${r.name}").endpoint`
    if (r.parent === r.name) fail(w, 'references itself as parent')
    if (!names.has(r.parent))
      fail(w, `references the unknown resource "${r.parent}"`, `known: ${[...names].join(', ')}`)
    // cycles
    const seen = new Set([r.name])
    let p: string | undefined = r.parent
    while (p) {
      if (seen.has(p)) fail(w, `is part of a parent cycle (${[...seen].join(' -> ')})`)
      seen.add(p)
      p = out.find((x) => x.name === p)?.parent
    }
  }
  return out
}
