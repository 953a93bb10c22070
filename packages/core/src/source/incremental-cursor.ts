import { sha256 } from '@noble/hashes/sha2.js'
import { SluiceError } from '../errors.ts'
import { getPath } from '../http/json-path.ts'
import type { JsonValue } from '../json.ts'
import type { ResourceState } from '../storage/package-types.ts'
import { stateBucket } from './state-bucket.ts'

/** Configuration of an incremental cursor (dlt's `Incremental`, camelCase). */
export interface IncrementalConfig<T = unknown> {
  /** Field name or dotted path of the cursor in each row, e.g. `time_last_change`. */
  cursorPath: string
  /** Start value on the first run (no state yet). */
  initialValue?: T
  /** End of the range (exclusive unless `rangeEnd` is `closed`). Setting it makes a stateless backfill window that starts at `initialValue` and leaves the state untouched. */
  endValue?: T
  /**
   * Which cursor value is the newest: `max` (default, the cursor grows), `min` (it shrinks), or a function that
   * returns the newest of the values it is given (dlt's callable `last_value_func`; JSON configs name `max` or
   * `min`). A function must not be combined with `lag`.
   */
  lastValueFunc?: 'max' | 'min' | LastValueFunc<T>
  /**
   * The order the API returns rows in, as `lastValueFunc` defines it: `asc` (oldest first) stops reading pages once a
   * row is past `endValue`; `desc` (newest first) stops once a row is before the start value. Default: unknown
   * (every page is read).
   */
  rowOrder?: 'asc' | 'desc'
  /** `closed` (default) keeps rows equal to the start value; `open` drops them (and turns boundary de-duplication off). */
  rangeStart?: 'open' | 'closed'
  /** `open` (default) drops rows equal to `endValue`; `closed` keeps them. */
  rangeEnd?: 'open' | 'closed'
  /** Re-read window: the start moves back by this many seconds (date-times), days (dates) or units (numbers). The stored value never moves backward. Turns boundary de-duplication off. */
  lag?: number
  /** Columns that identify a row for boundary de-duplication; `false` turns it off; default: the whole row. */
  primaryKey?: string | readonly string[] | false
  /** Most boundary keys kept in state (bounded state, unlike dlt); default 1000. Rows beyond are re-read on the next run (harmless with merge). */
  maxBoundaryKeys?: number
  /** What to do with a row without a cursor value; default `raise`. */
  onCursorValueMissing?: 'raise' | 'include' | 'exclude'
}

/** A custom `lastValueFunc`: returns the newest of `values` (one of them), as dlt's `max`/`min` do. */
export type LastValueFunc<T = unknown> = (values: readonly T[]) => T

/** What an incremental cursor keeps in the resource state (a plain JSON object). */
export interface IncrementalState {
  initialValue?: JsonValue
  lastValue?: JsonValue
  /** Hashes of the primary keys of rows whose cursor equals `lastValue`. */
  boundaryKeys?: string[]
  /** True when more rows sat on the boundary than `maxBoundaryKeys`. */
  boundaryOverflow?: boolean
}

/** The values `{incremental.*}` placeholders resolve to. */
export interface IncrementalPlaceholders {
  start_value: unknown
  end_value: unknown
  last_value: unknown
  initial_value: unknown
}

/** One run of an incremental cursor over a state object. */
export interface IncrementalRun<T = unknown> {
  /** Lower bound of this run: the stored last value (minus lag) or the initial value. */
  readonly startValue: T | undefined
  /** The stored last value at the start of the run. */
  readonly lastValue: T | undefined
  readonly initialValue: T | undefined
  readonly endValue: T | undefined
  /** The largest (or smallest for `min`) cursor seen so far in this run, or the stored one. */
  readonly currentValue: T | undefined
  /**
   * Drops rows outside `[startValue, endValue)` and boundary rows loaded by the previous run, records the
   * new last value and boundary keys in the state, and returns the rows to keep.
   */
  filter<Row extends object>(rows: readonly Row[]): Row[]
  placeholders(): IncrementalPlaceholders
  /** Warnings for the run summary (e.g. boundary overflow). */
  readonly warnings: readonly string[]
  /**
   * True once `filter` saw a row past the range in the declared `rowOrder` (`asc`: past the end value, `desc`:
   * before the start value): later pages hold no row of this run, so the reader stops requesting them.
   */
  readonly exhausted: boolean
}

/** An incremental cursor definition; `open()` starts a run over a resource state. */
export interface Incremental<T = unknown> {
  readonly config: IncrementalConfig<T>
  /** Starts a run; the cursor's state lives at `state.incremental[cursorPath]`. */
  open(state: ResourceState): IncrementalRun<T>
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/

/** Orders cursor values: numbers numerically, ISO dates/date-times by instant, other strings lexically. */
export function compareCursorValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') {
    if (DATE_TIME.test(a) && DATE_TIME.test(b)) {
      const x = Date.parse(a)
      const y = Date.parse(b)
      if (!Number.isNaN(x) && !Number.isNaN(y) && x !== y) return x - y
      if (!Number.isNaN(x) && !Number.isNaN(y)) return 0
    }
    return a < b ? -1 : a > b ? 1 : 0
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0
  const sa = String(a)
  const sb = String(b)
  return sa < sb ? -1 : sa > sb ? 1 : 0
}

/** `value` moved by `amount` (seconds for date-times, days for dates, units for numbers). */
export function shiftCursorValue<T>(value: T, amount: number): T {
  if (typeof value === 'number') return (value + amount) as T
  if (typeof value === 'string') {
    if (DATE_ONLY.test(value)) {
      const d = new Date(`${value}T00:00:00Z`)
      d.setUTCDate(d.getUTCDate() + amount)
      return d.toISOString().slice(0, 10) as T
    }
    const t = Date.parse(value)
    if (DATE_TIME.test(value) && !Number.isNaN(t)) {
      const iso = new Date(t + amount * 1000).toISOString()
      return (/\.\d+/.test(value) ? iso : iso.replace(/\.\d{3}Z$/, 'Z')) as T
    }
  }
  return value
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  const keys = Object.keys(value).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`
}

/** A 20-character digest of a row's key (or of the whole row). */
export function rowKeyHash(row: object, primaryKey: readonly string[] | undefined): string {
  const key = primaryKey?.length
    ? stableJson(primaryKey.map((k) => getPath(row, k) ?? null))
    : stableJson(row)
  const digest = sha256(new TextEncoder().encode(key)).subarray(0, 15)
  let bin = ''
  for (const b of digest) bin += String.fromCharCode(b)
  return btoa(bin)
}

class Run<T> implements IncrementalRun<T> {
  readonly startValue: T | undefined
  readonly lastValue: T | undefined
  readonly initialValue: T | undefined
  readonly endValue: T | undefined
  readonly warnings: string[] = []
  currentValue: T | undefined
  exhausted = false
  private readonly prevKeys: Set<string>
  private keys: Set<string>
  private overflow: boolean
  private readonly dedup: boolean
  private readonly order: (a: unknown, b: unknown) => number
  private readonly sign: number
  private readonly pk: readonly string[] | undefined
  private readonly max: number

  constructor(
    private readonly c: IncrementalConfig<T>,
    private readonly bucket: IncrementalState | undefined,
  ) {
    this.sign = c.lastValueFunc === 'min' ? -1 : 1
    const f = c.lastValueFunc
    this.order = typeof f === 'function' ? byLastValueFunc(f as LastValueFunc) : compareCursorValues
    this.initialValue = c.initialValue
    this.endValue = c.endValue
    const stateful = bucket !== undefined
    this.lastValue = stateful ? (bucket.lastValue as T | undefined) : undefined
    let start = this.lastValue ?? c.initialValue
    if (start !== undefined && c.lag) start = shiftCursorValue(start, -this.sign * c.lag)
    if (this.lastValue !== undefined && c.initialValue !== undefined && start !== undefined) {
      // never start before the initial value
      if (this.cmp(start, c.initialValue) < 0) start = c.initialValue
    }
    this.startValue = start
    this.currentValue = this.lastValue
    this.dedup =
      stateful && c.primaryKey !== false && !c.lag && c.endValue === undefined && c.rangeStart !== 'open'
    this.pk =
      c.primaryKey === false || c.primaryKey === undefined
        ? undefined
        : typeof c.primaryKey === 'string'
          ? [c.primaryKey]
          : c.primaryKey
    this.max = Math.max(0, c.maxBoundaryKeys ?? 1000)
    this.prevKeys = new Set(this.dedup && this.lastValue !== undefined ? (bucket?.boundaryKeys ?? []) : [])
    this.keys = new Set(this.prevKeys)
    this.overflow = bucket?.boundaryOverflow ?? false
  }

  private cmp(a: unknown, b: unknown): number {
    return this.sign * this.order(a, b)
  }

  filter<Row extends object>(rows: readonly Row[]): Row[] {
    const out: Row[] = []
    const { cursorPath } = this.c
    for (const row of rows) {
      const v = getPath(row, cursorPath)
      if (v === undefined || v === null) {
        const mode = this.c.onCursorValueMissing ?? 'raise'
        if (mode === 'include') out.push(row)
        else if (mode === 'raise') {
          throw new SluiceError(
            'INCREMENTAL_CURSOR_MISSING',
            `a row has no value at cursor path "${cursorPath}"`,
            {
              hint: 'check cursorPath, or set onCursorValueMissing to "include" or "exclude"',
            },
          )
        }
        continue
      }
      if (this.startValue !== undefined) {
        const c = this.cmp(v, this.startValue)
        if (c < 0 || (c === 0 && this.c.rangeStart === 'open')) {
          if (this.c.rowOrder === 'desc') this.exhausted = true
          continue
        }
        if (c === 0 && this.prevKeys.size > 0 && this.prevKeys.has(rowKeyHash(row, this.pk))) continue
      }
      if (this.endValue !== undefined) {
        const c = this.cmp(v, this.endValue)
        if (c > 0 || (c === 0 && this.c.rangeEnd !== 'closed')) {
          if (this.c.rowOrder === 'asc') this.exhausted = true
          continue
        }
      }
      out.push(row)
      if (!this.bucket) continue
      const cur = this.currentValue
      const c = cur === undefined ? 1 : this.cmp(v, cur)
      if (c > 0) {
        this.currentValue = v as T
        this.keys = new Set()
        this.overflow = false
      }
      if (c >= 0 && this.dedup) {
        if (this.keys.size < this.max) this.keys.add(rowKeyHash(row, this.pk))
        else if (!this.overflow) {
          this.overflow = true
          this.warnings.push(
            `more than ${this.max} rows share the cursor value ${String(v)} at "${cursorPath}"; the rest are re-read next run (raise maxBoundaryKeys or use merge)`,
          )
        }
      }
    }
    this.save()
    return out
  }

  private save(): void {
    const b = this.bucket
    if (!b) return
    if (this.c.initialValue !== undefined) b.initialValue = this.c.initialValue as JsonValue
    if (this.currentValue !== undefined) b.lastValue = this.currentValue as JsonValue
    if (this.dedup) b.boundaryKeys = [...this.keys]
    else delete b.boundaryKeys
    if (this.overflow) b.boundaryOverflow = true
    else delete b.boundaryOverflow
  }

  placeholders(): IncrementalPlaceholders {
    return {
      start_value: this.startValue,
      end_value: this.endValue,
      last_value: this.lastValue ?? this.initialValue,
      initial_value: this.initialValue,
    }
  }
}

/** Orders two cursor values by a custom `lastValueFunc`: the one it picks as newest is the greater. */
function byLastValueFunc(f: LastValueFunc): (a: unknown, b: unknown) => number {
  return (a, b) => {
    if (compareCursorValues(a, b) === 0) return 0
    const newest = f([a, b])
    return newest === a || compareCursorValues(newest, a) === 0 ? 1 : -1
  }
}

const ONE_OF: Record<string, readonly string[]> = {
  rowOrder: ['asc', 'desc'],
  rangeStart: ['open', 'closed'],
  rangeEnd: ['open', 'closed'],
}

/**
 * What is wrong with the options of an incremental config (`lastValueFunc`, `rowOrder`, `rangeStart`, `rangeEnd`,
 * `lag`), or undefined; used by {@link incremental} and the REST config check.
 */
export function incrementalConfigProblem(
  config: object,
): { key: string; problem: string; hint: string } | undefined {
  const { lastValueFunc: f, lag } = config as Record<string, unknown>
  if (f !== undefined && f !== 'max' && f !== 'min' && typeof f !== 'function') {
    return {
      key: 'lastValueFunc',
      problem: `is ${JSON.stringify(f)}`,
      hint: 'use "max" (the default), "min", or in code a function that returns the newest of the values it gets',
    }
  }
  if (typeof f === 'function' && lag) {
    return {
      key: 'lag',
      problem: 'is set together with a custom lastValueFunc',
      hint: 'lag works with "max" and "min" only (it needs to know which way is back); drop one of them',
    }
  }
  for (const [key, allowed] of Object.entries(ONE_OF)) {
    const v = (config as Record<string, unknown>)[key]
    if (v !== undefined && !allowed.includes(v as string)) {
      return {
        key,
        problem: `is ${JSON.stringify(v)}`,
        hint: `use ${allowed.map((a) => `"${a}"`).join(' or ')}`,
      }
    }
  }
  return undefined
}

/**
 * Declares an incremental cursor. Its state is a plain JSON object at `state.incremental[cursorPath]`
 * (initialValue, lastValue, boundaryKeys), bounded by `maxBoundaryKeys`. With `endValue` the run is a
 * stateless backfill window.
 */
export function incremental<T = unknown>(config: IncrementalConfig<T>): Incremental<T> {
  if (typeof config?.cursorPath !== 'string' || config.cursorPath === '') {
    throw new SluiceError('CONFIG_INVALID', 'incremental.cursorPath must be a non-empty string', {
      hint: 'name the field that grows with each change, e.g. "time_last_change"',
    })
  }
  const bad = incrementalConfigProblem(config)
  if (bad)
    throw new SluiceError('CONFIG_INVALID', `incremental.${bad.key} ${bad.problem}`, { hint: bad.hint })
  return {
    config,
    open(state: ResourceState): IncrementalRun<T> {
      if (config.endValue !== undefined) return new Run(config, undefined)
      const bucket = stateBucket(stateBucket(state, 'incremental'), config.cursorPath) as IncrementalState
      return new Run(config, bucket)
    },
  }
}
