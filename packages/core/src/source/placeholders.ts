import { SluiceError } from '../errors.ts'

const PLACEHOLDER = /\{([^{}]+)\}/g

/** Placeholder names (`resources.users.id`, `incremental.start_value`) used in a value, deeply. */
export function findPlaceholders(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(PLACEHOLDER)) out.add(m[1]!.trim())
  } else if (Array.isArray(value)) {
    for (const v of value) findPlaceholders(v, out)
  } else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) findPlaceholders(v, out)
  }
  return out
}

function lookup(values: Record<string, unknown>, name: string): unknown {
  if (!(name in values)) {
    throw new SluiceError('CONFIG_INVALID', `placeholder {${name}} has no value`, {
      hint: 'use {resources.<parent>.<field>} or {incremental.start_value|end_value|last_value|initial_value}',
    })
  }
  return values[name]
}

function str(v: unknown): string {
  if (v === undefined || v === null) return ''
  return typeof v === 'object' ? JSON.stringify(v) : String(v)
}

/**
 * Replaces placeholders in strings, deeply. A string that is exactly one placeholder keeps the value's type
 * (in JSON bodies) unless `asString` (then it becomes text, or `undefined` when it has no value, which
 * drops a query parameter); `encode` URL-encodes substituted text (for paths).
 */
export function renderPlaceholders<T>(
  value: T,
  values: Record<string, unknown>,
  opts: { encode?: boolean; asString?: boolean } = {},
): T {
  if (typeof value === 'string') {
    const whole = /^\{([^{}]+)\}$/.exec(value)
    if (whole && !opts.encode) {
      const v = lookup(values, whole[1]!.trim())
      if (!opts.asString) return v as T
      // a query parameter that is only a placeholder without a value is left out
      if (v === undefined || v === null) return undefined as T
    }
    if (!value.includes('{')) return value
    return value.replace(PLACEHOLDER, (_, name: string) => {
      const s = str(lookup(values, name.trim()))
      return opts.encode ? encodeURIComponent(s) : s
    }) as T
  }
  if (Array.isArray(value)) return value.map((v) => renderPlaceholders(v, values, opts)) as T
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = renderPlaceholders(v, values, opts)
    return out as T
  }
  return value
}
