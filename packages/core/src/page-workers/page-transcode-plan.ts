// The compiled flat shapes of a table as transcodePage reads them, and where it keeps a row's values.
import type { FlatKey } from '../normalize/normalize-types.ts'
import { T_OTHER, T_TIMESTAMP, typeCode } from '../normalize/normalizer-state.ts'
import { SYSTEM_COLUMNS } from '../normalize/system-columns.ts'

/** What a header column takes when not a key's value (see `ShapePlan.columns`): nothing, the load id, the row id. */
export const COL_EMPTY = -1
export const COL_LOAD_ID = -2
export const COL_ID = -3

// kinds of a row's value (see RowValues.kind)
export const NULL = 1
export const STRING = 2
export const NUMBER = 3
export const TRUE = 4
export const FALSE = 5

/** One compiled flat shape as the transcoder checks it (see `compileFlatCsvRow`). */
export interface ShapePlan {
  /** The key's index in {@link TranscodePlan.dict}, per key of the shape. */
  keys: Int32Array
  types: Uint8Array
  required: Uint8Array
  /** The sum of {@link keys} (a row whose keys sum to another number is not of this shape). */
  keySum: number
  /**
   * Per header column: the key (index in the dict) whose value it takes, else {@link COL_EMPTY}, {@link COL_LOAD_ID}
   * or {@link COL_ID}.
   */
  columns: Int32Array
}

/**
 * The compiled flat shapes of a root table and its csv header, as {@link transcodePage} reads them: built once
 * per set of shapes and columns (see {@link transcodePlan}).
 */
export interface TranscodePlan {
  readonly shapesIn: readonly (readonly FlatKey[])[]
  readonly columnCount: number
  /** Every key of the shapes, by its text. */
  readonly dict: Map<string, number>
  /** The keys' bytes, per dict index. */
  readonly keyBytes: Uint8Array[]
  /**
   * Per dict index: the key's bytes and its closing `"` as little-endian 32-bit words, the last four bytes as the
   * last word when the length is not a multiple of four (keys shorter than three bytes: their bytes only).
   */
  readonly keyWords: Int32Array[]
  /** Per dict index: 1 when some shape takes the key as a timestamp. */
  readonly timestamps: Uint8Array
  /** Per dict index: the key's length in bytes. */
  readonly keySizes: Int32Array
  /** Shapes in the order they are tried (the most recent first, as `encodeFlatRows`). */
  readonly shapes: ShapePlan[]
  readonly maxTextChars: number
}

const ascii = new TextEncoder()

/**
 * The plan for `shapes` (a normalizer's `FlatShapes.keys`) and the table's csv `columns`; `last` is the plan
 * built before, returned when it is for the same shapes and columns. Undefined when a shape has a key that is
 * not ASCII (bodies are matched byte by byte).
 */
export function transcodePlan(
  shapes: readonly (readonly FlatKey[])[],
  columns: readonly { name: string }[],
  maxTextChars: number | undefined,
  last: TranscodePlan | undefined,
): TranscodePlan | undefined {
  const max = maxTextChars ?? Number.POSITIVE_INFINITY
  if (
    last &&
    last.columnCount === columns.length &&
    last.maxTextChars === max &&
    last.shapesIn.length === shapes.length &&
    last.shapesIn.every((s, i) => s === shapes[i])
  ) {
    return last
  }
  const dict = new Map<string, number>()
  const keyBytes: Uint8Array[] = []
  const header = Int32Array.from(columns, (c) =>
    c.name === SYSTEM_COLUMNS.loadId ? COL_LOAD_ID : c.name === SYSTEM_COLUMNS.id ? COL_ID : COL_EMPTY,
  )
  const plans: ShapePlan[] = []
  for (const shape of shapes) {
    const plan: ShapePlan = {
      keys: new Int32Array(shape.length),
      types: new Uint8Array(shape.length),
      required: new Uint8Array(shape.length),
      keySum: 0,
      columns: header.slice(),
    }
    for (const [i, k] of shape.entries()) {
      if (!/^[\x20-\x7e]*$/.test(k.key) || k.key.includes('"') || k.key.includes('\\')) return undefined
      let at = dict.get(k.key)
      if (at === undefined) {
        at = keyBytes.length
        dict.set(k.key, at)
        keyBytes.push(ascii.encode(k.key))
      }
      plan.keys[i] = at
      // the normalizer's type codes; a key without a column (its value must be null) as T_OTHER
      plan.types[i] = k.column === undefined || k.type === undefined ? T_OTHER : typeCode(k.type)
      plan.required[i] = k.required ? 1 : 0
      if (k.column === undefined) continue
      const c = columns.findIndex((col) => col.name === k.column)
      if (c >= 0 && header[c] === COL_EMPTY) plan.columns[c] = at
    }
    plan.keySum = plan.keys.reduce((a, b) => a + b, 0)
    plans.unshift(plan)
  }
  return {
    shapesIn: [...shapes],
    columnCount: columns.length,
    dict,
    keyBytes,
    keySizes: Int32Array.from(keyBytes, (k) => k.length),
    keyWords: keyBytes.map((k) => {
      // the key and its closing quote: whole words, then the last four bytes (overlapping) when more are left
      const bytes = Uint8Array.from([...k, 0x22])
      const view = new DataView(bytes.buffer)
      const full = bytes.length >> 2
      const words = Array.from({ length: full }, (_, w) => view.getInt32(4 * w, true))
      if (bytes.length & 3 && bytes.length >= 4) words.push(view.getInt32(bytes.length - 4, true))
      return Int32Array.from(words)
    }),
    timestamps: Uint8Array.from(keyBytes, (_, at) =>
      plans.some((plan) => plan.types.some((type, k) => type === T_TIMESTAMP && plan.keys[k] === at)) ? 1 : 0,
    ),
    shapes: plans,
    maxTextChars: max,
  }
}

/** Where the row being read has its values, per dict index (reused for every row). */
export class RowValues {
  /** The row's number ({@link stamp}) where the key is in the row. */
  seen: Int32Array
  kind: Int32Array
  /** Where the value's text begins and ends (a string's without its quotes). */
  start: Int32Array
  end: Int32Array
  /** Strings: how many escapes; numbers: what `asWritten` says (0, `WHOLE` or `FRACTION`). */
  flag: Int32Array
  /** Strings: 1 when a `,` is in it. */
  comma: Int32Array
  /** Strings: 1 when read as a plain UTC timestamp (see `isPlainUtcTimestampAt`). */
  timestamp: Uint8Array
  /** Numbers: the value, once read (NaN before). */
  number: Float64Array
  stamp = 0
  /** Numbers in the row just read that are written by `putNumber` (each may take 24 characters). */
  written = 0
  /** Per dict index (and the dict's size for a row's start): the key that followed it last, and the one before. */
  next: Int32Array
  next2: Int32Array

  constructor(size: number) {
    this.seen = new Int32Array(size)
    this.kind = new Int32Array(size)
    this.start = new Int32Array(size)
    this.end = new Int32Array(size)
    this.flag = new Int32Array(size)
    this.comma = new Int32Array(size)
    this.timestamp = new Uint8Array(size)
    this.number = new Float64Array(size).fill(Number.NaN)
    this.next = new Int32Array(size + 1).fill(-1)
    this.next2 = new Int32Array(size + 1).fill(-1)
  }
}
