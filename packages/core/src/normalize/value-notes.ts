import type { ValueNote, ValueNoteKind } from './normalize-types.ts'

/** Counts {@link ValueNote}s by table, column, kind and detail. */
export class ValueNotes {
  private readonly notes = new Map<string, ValueNote>()

  /** Counts `count` values of `table`.`column` for `kind`. */
  add(table: string, column: string, kind: ValueNoteKind, count = 1, detail?: string): void {
    if (count <= 0) return
    const key = `${table}\u0000${column}\u0000${kind}\u0000${detail ?? ''}`
    const note = this.notes.get(key)
    if (note) note.count += count
    else this.notes.set(key, { table, column, kind, count, ...(detail !== undefined ? { detail } : {}) })
  }

  /** Adds counts of other notes. */
  addAll(notes: readonly ValueNote[] | undefined): void {
    for (const n of notes ?? []) this.add(n.table, n.column, n.kind, n.count, n.detail)
  }

  get size(): number {
    return this.notes.size
  }

  /** The notes counted so far (copies), and forgets them. */
  take(): ValueNote[] {
    const out = [...this.notes.values()]
    this.notes.clear()
    return out
  }
}

/** The warning a run shows for a note, e.g. `entries.text: 2 text values lost U+0000 characters ...`. */
export function noteMessage(note: ValueNote): string {
  const n = note.count
  const where = note.column === '' ? note.table : `${note.table}.${note.column}`
  const values = (one: string, many: string): string => `${n} ${n === 1 ? one : many}`
  switch (note.kind) {
    case 'nul-removed':
      return `${where}: ${values('text value', 'text values')} lost U+0000 characters, which the destination cannot store`
    case 'text-cut':
      return `${where}: ${values('text value was', 'text values were')} cut to the longest text the destination stores`
    case 'imprecise-integer':
      return `${where}: ${values('integer', 'integers')} beyond ±2^53 may have lost ${n === 1 ? 'its' : 'their'} last digits (a JSON number holds 53 bits); have the source send ${n === 1 ? 'it as a string' : 'them as strings'} to keep every digit`
    case 'not-finite':
      return `${where}: ${values('number was', 'numbers were')} not finite (NaN, ±Infinity, or beyond a double such as 1e400) and left out`
    case 'out-of-range':
      return `${where}: ${values('value', 'values')} out of the column's range went to ${note.detail}`
    case 'renamed-key':
      return `${note.table}: source key ${JSON.stringify(note.column)} is named like another key of the same object; its values go to column ${note.detail}`
  }
}
