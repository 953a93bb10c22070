/** The empty slot (an id of this value goes to the `Set` with the others). */
const EMPTY = 0xffffffff

/**
 * The ids of one entries window, for the dedupe: whole ids from 0 to 2^32 - 2 (Clockodo's) in an open-addressing
 * table over a `Uint32Array`, any other id in a `Set`. Same semantics as a `Set` (`0` and `-0` are one id). A
 * window holds hundreds of thousands of ids: as two `Set`s they were about 35 MB of the V8 heap's peak in a
 * 5M-entry run (124-126 MB against 88-89 MB with a table, whose memory is outside the heap), and 0.25-0.31 s per
 * 1M entries in a standalone script against 0.10-0.15 s. Four bytes a slot (not a `Float64Array`'s eight) halve
 * the table, to 4 MB for a window of 300k ids (12 MB for a moment while it grows), and 1M adds and 1M lookups
 * took 56-73 ms against 114-131 ms with eight (vitest, one process, in turns).
 */
export class IdSet {
  private keys = new Uint32Array(1024).fill(EMPTY)
  /** 32 minus log2 of the table size: the hash keeps this many high bits of the product. */
  private shift = 22
  private count = 0
  private others: Set<unknown> | undefined

  /** Adds `id`; false when it was already in the set. */
  add(id: unknown): boolean {
    if (!isKey(id)) {
      this.others ??= new Set()
      const before = this.others.size
      return this.others.add(id).size > before
    }
    const slot = this.slot(id)
    if (this.keys[slot] === id) return false
    this.keys[slot] = id
    if (++this.count * 2 > this.keys.length) this.grow()
    return true
  }

  has(id: unknown): boolean {
    if (!isKey(id)) return this.others?.has(id) ?? false
    return this.keys[this.slot(id)] === id
  }

  /** Where `id` is, or the empty slot where it would go (linear probing; the table is at most half full). */
  private slot(id: number): number {
    const keys = this.keys
    const mask = keys.length - 1
    // multiplied by 2^32 / golden ratio; the high bits pick the slot
    let i = Math.imul(id, 0x9e3779b1) >>> this.shift
    for (;;) {
      const key = keys[i]!
      if (key === id || key === EMPTY) return i
      i = (i + 1) & mask
    }
  }

  private grow(): void {
    const old = this.keys
    this.keys = new Uint32Array(old.length * 2).fill(EMPTY)
    this.shift--
    for (const key of old) if (key !== EMPTY) this.keys[this.slot(key)] = key
  }
}

/** A whole id from 0 to 2^32 - 2 (`-0` counts as 0): kept in the table. */
function isKey(id: unknown): id is number {
  return typeof id === 'number' && id >= 0 && id < EMPTY && Number.isInteger(id)
}
