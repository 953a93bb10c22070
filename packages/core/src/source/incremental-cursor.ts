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
  /** Exclusive end: rows at or after it are dropped. Setting it makes a stateless backfill window that starts at `initialValue` and leaves the state untouched. */
  endValue?: T
  /** `max` (default): the cursor grows; `min`: it shrinks. */
  lastValueFunc?: 'max' | 'min'
  /** Re-read window: the start moves back by this many seconds (date-times), days (dates) or units (numbers). The stored value never moves backward. Turns boundary de-duplication off. */
  lag?: number
  /** Columns that identify a row for boundary de-duplication; `false` turns it off; default: the whole row. */
  primaryKey?: string | readonly string[] | false
  /** Most boundary keys kept in state (bounded state, unlike dlt); default 1000. Rows beyond are re-read on the next run (harmless with merge). */
  maxBoundaryKeys?: number
  /** What to do with a row without a cursor value; default `raise`. */
  onCursorValueMissing?: 'raise' | 'include' | 'exclude'
}

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
  private readonly prevKeys: Set<string>
  private keys: Set<string>
  private overflow: boolean
  private readonly dedup: boolean
  private readonly sign: number
  private readonly pk: readonly string[] | undefined
  private readonly max: number

  constructor(
    private readonly c: IncrementalConfig<T>,
    private readonly bucket: IncrementalState | undefined,
  ) {
    this.sign = c.lastValueFunc === 'min' ? -1 : 1
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
    this.dedup = stateful && c.primaryKey !== false && !c.lag && c.endValue === undefined
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
    return this.sign * compareCursorValues(a, b)
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
        if (c < 0) continue
        if (c === 0 && this.prevKeys.size > 0 && this.prevKeys.has(rowKeyHash(row, this.pk))) continue
      }
      if (this.endValue !== undefined && this.cmp(v, this.endValue) >= 0) continue
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
  if (
    config.lastValueFunc !== undefined &&
    config.lastValueFunc !== 'max' &&
    config.lastValueFunc !== 'min'
  ) {
    throw new SluiceError('CONFIG_INVALID', `incremental.lastValueFunc must be "max" or "min"`)
  }
  return {
    config,
    open(state: ResourceState): IncrementalRun<T> {
      if (config.endValue !== undefined) return new Run(config, undefined)
      const bucket = stateBucket(stateBucket(state, 'incremental'), config.cursorPath) as IncrementalState
      return new Run(config, bucket)
    },
  }
}
