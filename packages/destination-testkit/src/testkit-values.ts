import type { Column, DataType } from '@sluice/core/destination'

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}

function trimFraction(s: string): string {
  if (!s.includes('.')) return s
  const t = s.replace(/0+$/, '')
  return t.endsWith('.') ? t.slice(0, -1) : t
}

function timeFromMicros(us: bigint): string {
  const total = Number(us)
  const secs = Math.floor(total / 1e6)
  const frac = total % 1e6
  const hh = String(Math.floor(secs / 3600)).padStart(2, '0')
  const mm = String(Math.floor((secs % 3600) / 60)).padStart(2, '0')
  const ss = String(secs % 60).padStart(2, '0')
  return trimFraction(`${hh}:${mm}:${ss}${frac ? `.${String(frac).padStart(6, '0')}` : ''}`)
}

/**
 * Canonical form of a value read back from a destination, so that drivers' representations compare equal:
 * bigint/decimal as trimmed numeric strings, timestamps as ISO UTC, dates `YYYY-MM-DD`, times `HH:MM:SS[.f]`,
 * binary as base64, json as stable JSON text.
 */
export function canonical(dataType: DataType, value: unknown): unknown {
  if (value === null || value === undefined) return null
  switch (dataType) {
    case 'text':
      return String(value)
    case 'bigint':
      return typeof value === 'number' ? String(Math.trunc(value)) : String(value)
    case 'double':
      return Number(value)
    case 'bool':
      return value === true || value === 'true' || value === 't' || value === 1
    case 'timestamp': {
      if (value instanceof Date) return value.toISOString()
      let s = String(value).replace(' ', 'T')
      if (/[+-]\d\d$/.test(s)) s += ':00'
      const d = new Date(s)
      return Number.isNaN(d.getTime()) ? s : d.toISOString()
    }
    case 'date':
      return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10)
    case 'time':
      return typeof value === 'bigint' ? timeFromMicros(value) : trimFraction(String(value))
    case 'decimal': {
      const s = String(value)
      return trimFraction(s.includes('.') ? s : s)
    }
    case 'json':
      if (typeof value === 'string') {
        try {
          return stableJson(JSON.parse(value))
        } catch {
          return stableJson(value)
        }
      }
      return stableJson(value)
    case 'binary':
      if (value instanceof Uint8Array) return toBase64(value)
      if (typeof value === 'string' && value.startsWith('\\x')) {
        const hex = value.slice(2)
        const bytes = new Uint8Array(hex.length / 2)
        for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
        return toBase64(bytes)
      }
      return String(value)
  }
}

/** The canonical form of a job-file value as written (what a round trip must give back). */
export function canonicalInput(dataType: DataType, value: unknown): unknown {
  if (dataType === 'timestamp' && typeof value === 'string') return new Date(value).toISOString()
  return canonical(dataType, value)
}

/** Canonicalizes rows read back, keeping only the given columns. */
export function canonicalRows(
  rows: Record<string, unknown>[],
  columns: readonly Column[],
): Record<string, unknown>[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {}
    for (const c of columns) out[c.name] = canonical(c.dataType, row[c.name])
    return out
  })
}
