import type { EntryLayout, EntryRow } from './account-entries.ts'
import { DAY_MS } from './mock-calendar.ts'

/** Filters of an entries query. */
export interface EntryFilter {
  /** Positions are resolved from these user ids; unknown ids give no base entries. */
  usersIds?: readonly number[]
  /** Any further predicate (customers_id, billable, text ...). */
  predicate?: (e: EntryRow) => boolean
}

/** A lazily evaluated, exactly counted list of entries. */
export interface EntryList {
  readonly count: number
  at(position: number): EntryRow
}

/**
 * The time entries of an account: the generated ones (computed from the layout, never stored) under an overlay of
 * edited, added and deleted entries.
 */
export class EntryStore {
  private readonly deleted = new Set<number>()
  private readonly edited = new Map<number, EntryRow>()
  private readonly added = new Map<number, EntryRow>()
  private nextId: number

  constructor(private readonly layout: EntryLayout) {
    this.nextId = layout.count + 1
  }

  /** Number of entries (generated, minus deleted, plus added). */
  get count(): number {
    return this.layout.count - this.deleted.size + this.added.size
  }

  /** The current version of an entry by id, or undefined when deleted/unknown. */
  byId(id: number): EntryRow | undefined {
    if (this.deleted.has(id)) return undefined
    const e = this.edited.get(id) ?? this.added.get(id)
    if (e) return e
    return id >= 1 && id <= this.layout.count ? this.layout.entry(id - 1) : undefined
  }

  /** Adds an entry with the next id after the generated ones. */
  add(fields: Partial<EntryRow>): EntryRow {
    const id = this.nextId++
    const row = { ...fields, id } as EntryRow
    this.added.set(id, row)
    return row
  }

  /** Changes an entry; throws when the id is unknown. */
  edit(id: number, patch: Partial<EntryRow>): EntryRow {
    const current = this.byId(id)
    if (!current) throw new Error(`entry ${id} does not exist`)
    const next = { ...current, ...patch, id } as EntryRow
    if (this.added.has(id)) this.added.set(id, next)
    else this.edited.set(id, next)
    return next
  }

  /** Deletes an entry; throws when the id is unknown. */
  delete(id: number): void {
    if (!this.byId(id)) throw new Error(`entry ${id} does not exist`)
    if (this.added.has(id)) this.added.delete(id)
    else {
      this.edited.delete(id)
      this.deleted.add(id)
    }
  }

  /**
   * Entries with sinceMs <= time_since < untilMs (the edge rule), in id order of the generated entries,
   * followed by edited and added entries (by id). Counting is exact and cheap; entries are built on access.
   */
  query(sinceMs: number, untilMs: number, filter: EntryFilter = {}): EntryList {
    const L = this.layout
    const U = L.userCount
    const E = L.perDay
    const positions = filter.usersIds
      ? [...new Set(filter.usersIds.map((id) => L.positionOf(id)).filter((p) => p >= 0))].sort(
          (a, b) => a - b,
        )
      : Array.from({ length: U }, (_, i) => i)
    const m = positions.length
    const inWindow = (i: number): boolean => {
      const t = L.timeSinceMs(i)
      return t >= sinceMs && t < untilMs
    }
    const dayIndices = (w: number): number[] => {
      const out: number[] = []
      for (const p of positions) {
        const base = (w * U + p) * E
        for (let s = 0; s < E; s++) if (inWindow(base + s)) out.push(base + s)
      }
      return out
    }
    let baseCount = 0
    let baseAt: (k: number) => number = () => -1
    if (untilMs > sinceMs && m > 0 && L.count > 0) {
      const cal = L.calendar
      const wFrom = cal.firstOnOrAfter(Math.floor(sinceMs / DAY_MS))
      const wTo = cal.firstOnOrAfter(Math.floor((untilMs - 1) / DAY_MS) + 1)
      if (wTo > wFrom) {
        // only days the window cuts need filtering; days it covers completely are pure arithmetic
        const firstCut = cal.day(wFrom) * DAY_MS < sinceMs || (cal.day(wFrom) + 1) * DAY_MS > untilMs
        const lastCut = wTo - 1 > wFrom && (cal.day(wTo - 1) + 1) * DAY_MS > untilMs
        const first = firstCut ? dayIndices(wFrom) : []
        const last = lastCut ? dayIndices(wTo - 1) : []
        const midFrom = firstCut ? wFrom + 1 : wFrom
        const midDays = Math.max(0, (lastCut ? wTo - 1 : wTo) - midFrom)
        const stride = m * E
        const midCount = midDays * stride
        const contiguous = m === U
        const mid = (k: number): number => {
          const w = midFrom + Math.floor(k / stride)
          if (contiguous) return w * U * E + (k % stride)
          const r = k % stride
          return (w * U + positions[Math.floor(r / E)]!) * E + (r % E)
        }
        baseCount = first.length + midCount + last.length
        baseAt = (k) =>
          k < first.length
            ? first[k]!
            : k < first.length + midCount
              ? mid(k - first.length)
              : last[k - first.length - midCount]!
        if (filter.predicate) {
          const matching: number[] = []
          for (let k = 0; k < baseCount; k++) {
            const idx = baseAt(k)
            if (filter.predicate(L.entry(idx))) matching.push(idx)
          }
          baseCount = matching.length
          baseAt = (k) => matching[k]!
        }
      }
    }
    // overlay: holes are generated entries that were deleted or edited; extras are edited and added entries
    const holes: number[] = []
    if (baseCount > 0) {
      const wanted = new Set(positions)
      const consider = (id: number): void => {
        const idx = id - 1
        if (idx >= L.count || !wanted.has(L.userPosOf(idx)) || !inWindow(idx)) return
        if (filter.predicate && !filter.predicate(L.entry(idx))) return
        let lo = 0
        let hi = baseCount - 1
        while (lo <= hi) {
          const mid = (lo + hi) >> 1
          const v = baseAt(mid)
          if (v === idx) {
            holes.push(mid)
            return
          }
          if (v < idx) lo = mid + 1
          else hi = mid - 1
        }
      }
      for (const id of this.deleted) consider(id)
      for (const id of this.edited.keys()) consider(id)
      holes.sort((a, b) => a - b)
    }
    const extras: EntryRow[] = []
    const userSet = filter.usersIds ? new Set(filter.usersIds) : undefined
    const addExtra = (e: EntryRow): void => {
      const t = Date.parse(e.time_since)
      if (t < sinceMs || t >= untilMs) return
      if (userSet && !userSet.has(e.users_id)) return
      if (filter.predicate && !filter.predicate(e)) return
      extras.push(e)
    }
    for (const e of this.edited.values()) addExtra(e)
    for (const e of this.added.values()) addExtra(e)
    extras.sort((a, b) => a.id - b.id)
    const kept = baseCount - holes.length
    return {
      count: kept + extras.length,
      at: (j: number): EntryRow => {
        if (j >= kept) return extras[j - kept]!
        let k = j
        for (const h of holes) {
          if (h <= k) k++
          else break
        }
        return L.entry(baseAt(k))
      },
    }
  }
}
