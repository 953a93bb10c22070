// Rows of a page's row list read by code generated for a resource's shapes (see compileFastRows).
import { T_BIGINT, T_BOOL, T_DOUBLE, T_TEXT, T_TIMESTAMP } from '../normalize/normalizer-state.ts'
import { RowValues, type ShapePlan, type TranscodePlan } from './page-transcode-plan.ts'
import {
  type FastRowTarget,
  type Line,
  NO_KEY,
  readBool,
  readNull,
  readNumber,
  readStamp,
  readText,
  writeFastLine,
} from './page-transcode-values.ts'

/**
 * Reads the row at `i` (a `{`) and writes its csv line when the row's keys come in the order of one of the
 * shapes it was generated for and its values fit that shape; returns the row's end, or -1 with nothing written
 * (the row is then read the general way).
 */
export type FastRows = (w: FastRowTarget, i: number) => number

/** A key at one place of one or more shapes' key order, with what follows it (a branch of the shapes' keys). */
interface Node {
  id: number
  /** Dict index of the key, its type code and whether it is required. */
  at: number
  type: number
  required: boolean
  children: Node[]
  /** The shape whose keys end here, if any. */
  leaf: ShapePlan | undefined
}

/**
 * The shapes the generated code reads: each one before which no shape with the same number of keys and sum of
 * key indexes is tried (such a row might be of that earlier shape, which `pickShape` would pick).
 */
function fastShapes(plan: TranscodePlan): ShapePlan[] {
  const seen = new Set<string>()
  const out: ShapePlan[] = []
  for (const s of plan.shapes) {
    const id = `${s.keys.length}:${s.keySum}`
    if (seen.has(id)) continue
    seen.add(id)
    if (s.keys.length > 0) out.push(s)
  }
  return out
}

/** The shapes' key orders as a tree: shapes that begin with the same keys (of the same type) share them. */
function keyTree(shapes: readonly ShapePlan[]): Node {
  let ids = 0
  const root: Node = { id: ids++, at: -1, type: 0, required: false, children: [], leaf: undefined }
  for (const s of shapes) {
    let node: Node | undefined = root
    for (let k = 0; node && k < s.keys.length; k++) {
      const at = s.keys[k]!
      const type = s.types[k]!
      const required = s.required[k] === 1
      const child: Node | undefined = node.children.find((c) => c.at === at)
      if (child) {
        // the same key of another type or nullability here: the shape tried first keeps the place
        node = child.type === type && child.required === required ? child : undefined
        continue
      }
      const added: Node = { id: ids++, at, type, required, children: [], leaf: undefined }
      node.children.push(added)
      node = added
    }
    if (node && !node.leaf) node.leaf = s
  }
  return root
}

/**
 * The test that the key (dict index `at`) with its quotes is at `i` (a `"` expected there), compared as
 * `RowWriter.sameKey` compares it: four bytes at a time, the last four overlapping, as constants.
 */
function keyMatch(plan: TranscodePlan, at: number): string {
  const size = plan.keySizes[at]! + 1
  const tests = [`i + ${size + 1} <= n`, 'b[i] === 34']
  if (size < 4) {
    const key = plan.keyBytes[at]!
    for (let k = 0; k < size - 1; k++) tests.push(`b[i + ${k + 1}] === ${key[k]}`)
    tests.push(`b[i + ${size}] === 34`)
  } else {
    const words = plan.keyWords[at]!
    const full = size >> 2
    for (let w = 0; w < full; w++) tests.push(`v.getInt32(i + ${1 + 4 * w}, true) === ${words[w]}`)
    if (size & 3) tests.push(`v.getInt32(i + ${1 + size - 4}, true) === ${words[full]}`)
  }
  return tests.join(' && ')
}

/** The call reading the value of `node` at `i` (then -1 or its end). */
function readCall(node: Node, maxTextChars: number): string {
  const args = `b, i, r, ${node.id}, ${!node.required}`
  switch (node.type) {
    case T_TEXT:
      return `RT(${args}, ${Number.isFinite(maxTextChars) ? maxTextChars : 'Infinity'})`
    case T_TIMESTAMP:
      return `RS(${args})`
    case T_BIGINT:
    case T_DOUBLE:
      return `RN(${args}, ${node.type === T_BIGINT}, w.text)`
    case T_BOOL:
      return `RB(${args})`
    default:
      // a key without a column, or a type the compiled rows do not take: only null fits
      return node.required ? '-1' : `b[i] === 110 ? RU(b, i, r, ${node.id}) : -1`
  }
}

/** Code reading what follows the value of `node`: the keys of its children, or the row's end. */
function after(plan: TranscodePlan, node: Node, lines: Line[], path: Node[], keyAt: number): string[] {
  const code: string[] = []
  if (node.leaf) {
    const byAt = new Map(path.map((p) => [p.at, p.id]))
    const key = keyAt < 0 ? -1 : (byAt.get(keyAt) ?? NO_KEY)
    const columns = Int32Array.from(node.leaf.columns, (at) => (at >= 0 ? byAt.get(at)! : at))
    lines.push({ columns, key })
    code.push(`if (b[i] === 125) return WL(w, r, LINES[${lines.length - 1}], start, i + 1)`)
  }
  if (node.children.length === 0) return [...code, 'return -1']
  code.push(node.at < 0 ? 'i++' : 'if (b[i] !== 44) return -1', ...(node.at < 0 ? [] : ['i++']))
  for (const child of node.children) {
    code.push(
      `if (${keyMatch(plan, child.at)}) {`,
      `  if (b[i + ${plan.keySizes[child.at]! + 2}] !== 58) return -1`,
      `  i += ${plan.keySizes[child.at]! + 3}`,
      `  i = ${readCall(child, plan.maxTextChars)}`,
      '  if (i < 0) return -1',
      ...after(plan, child, lines, [...path, child], keyAt).map((l) => `  ${l}`),
      '}',
    )
  }
  return [...code, 'return -1']
}

/**
 * Generates the reader of the rows of `plan`'s shapes (see {@link FastRows}); `keyAt` is the dict index of the
 * key whose values a page keeps (-1 for none). It reads a row's keys in the order of the shapes' keys (matched
 * four bytes at a time, as constants), checks each value as `pickShape` checks it for that shape, and writes the
 * line as `RowWriter.writeRow` does: rows without whitespace between their tokens, of shapes before which no
 * shape of the same number of keys and sum of key indexes is tried. Any other row is left to the general reader.
 * Undefined when no shape qualifies or code cannot be generated.
 */
export function compileFastRows(plan: TranscodePlan, keyAt: number): FastRows | undefined {
  const shapes = fastShapes(plan)
  if (shapes.length === 0) return undefined
  const tree = keyTree(shapes)
  let nodes = 0
  const count = (node: Node): void => {
    nodes = Math.max(nodes, node.id + 1)
    node.children.forEach(count)
  }
  count(tree)
  const lines: Line[] = []
  const body = after(plan, tree, lines, [], keyAt)
  const code = [
    "'use strict'",
    'return function fastRows(w, i) {',
    'const b = w.b',
    'const n = b.length',
    'const v = w.view',
    'const start = i',
    'r.written = 0',
    ...body,
    '}',
  ].join('\n')
  try {
    const factory = new Function('r', 'LINES', 'WL', 'RU', 'RT', 'RS', 'RN', 'RB', code)
    return factory(
      new RowValues(nodes),
      lines,
      writeFastLine,
      readNull,
      readText,
      readStamp,
      readNumber,
      readBool,
    ) as FastRows
  } catch {
    return undefined
  }
}
