import { describe, expect, it } from 'vitest'
import { key, LOAD_ID, latin1, putId, random, SHAPES, utf8 } from '../../test/transcode-fixtures.ts'
import { encodeFlatRows } from '../job-files/encoded-rows.ts'
import { compileFlatCsvRow, NOT_THIS_SHAPE } from '../job-files/flat-csv-encoder.ts'
import { loadIdField } from '../page-workers/page-transcode.ts'
import { compileFastRows } from '../page-workers/page-transcode-fast.ts'
import { transcodePlan } from '../page-workers/page-transcode-plan.ts'
import { GIVE_UP, RowWriter } from '../page-workers/page-transcode-rows.ts'
import { nodeBodyText } from './node-body-text.ts'

// The generated reader of a plan's rows (`compileFastRows`) against the compiled flat rows it stands in for: rows
// whose keys come in a shape's order are read by it and written byte for byte as `encodeFlatRows` writes them;
// any other row is left alone (-1, nothing written) for the general reader.

const COLUMNS = [
  { name: 'id', dataType: 'bigint' },
  { name: 'name', dataType: 'text' },
  { name: '_sluice_load_id', dataType: 'text' },
  { name: 'amount', dataType: 'double' },
  { name: 'ok', dataType: 'bool' },
  { name: 'at', dataType: 'timestamp' },
  { name: 'note', dataType: 'text' },
  { name: 'amount__v_double', dataType: 'double' },
  { name: '_sluice_id', dataType: 'text' },
]

// The shapes are `SHAPES` of transcode-fixtures.ts: the newest (tried first) takes the short shape's keys to a
// variant column, so the short shape itself is never read by generated code (its rows are of the newer one).

/** The compiled flat rows' csv of `rows` (JSON texts), or undefined when a row is of none of the shapes. */
function reference(rows: readonly string[], max: number | undefined): string | undefined {
  const fns = SHAPES.map((k) => compileFlatCsvRow(k, COLUMNS, { bytes: true, maxTextChars: max })!)
  const parsed = rows.map((r) => JSON.parse(latin1(utf8(r))) as object)
  const bytes = encodeFlatRows(
    fns,
    parsed,
    LOAD_ID,
    putId,
    64,
    new Uint32Array(rows.length),
    () => NOT_THIS_SHAPE,
  )
  return bytes && latin1(bytes)
}

/**
 * Each row of `rows` through the generated reader, else the general one; which rows the generated one took, and
 * the csv (undefined when the general reader gave the page up).
 */
function generated(
  rows: readonly string[],
  max?: number,
): { text: string | undefined; taken: boolean[]; keys: number[] } {
  const body = utf8(`[${rows.join(',')}]`)
  const plan = transcodePlan(SHAPES, COLUMNS, max, undefined)!
  const w = new RowWriter(
    body,
    nodeBodyText,
    plan,
    'id',
    loadIdField(LOAD_ID),
    putId,
    false,
    new Uint8Array(8),
  )
  const fast = compileFastRows(plan, plan.dict.get('id')!)!
  const taken: boolean[] = []
  let i = 1
  try {
    for (const _ of rows) {
      const p = w.p
      const count = w.ends.length
      const end = fast(w, i)
      taken.push(end >= 0)
      if (end < 0) {
        // left alone: nothing written
        expect([w.p, w.ends.length]).toEqual([p, count])
        i = w.next(i)
      } else i = end
      i++
    }
  } catch (error) {
    if (error !== GIVE_UP) throw error
    return { text: undefined, taken, keys: w.keys }
  }
  return { text: latin1(w.out.subarray(0, w.p)), taken, keys: w.keys }
}

const NAMES = [
  '"Ada"',
  '"Grün, & Co"',
  '""',
  '"a\\"b"',
  '"\\\\."',
  '"x\\ny"',
  '"日本"',
  'null',
  '"1234567890"',
]
const NUMBERS = ['0', '-3', '22.92', '0.5', '1.50', '1e3', '-0', '123456789012345678', '5e-324', 'null']
const STAMPS = ['"2022-01-03T07:07:14Z"', '"2024-02-29T23:59:59Z"', 'null']

/** A row of one of the shapes as JSON text, keys in the shape's order. */
function row(next: () => number, id: number): string {
  const pick = (list: readonly string[]): string => list[Math.floor(next() * list.length)]!
  const shape = Math.floor(next() * 3)
  const pairs =
    shape === 0
      ? [
          ['id', String(id)],
          ['name', pick(NAMES)],
          ['amount', pick(NUMBERS)],
          ['ok', pick(['true', 'false', 'null'])],
          ['at', pick(STAMPS)],
          ['note', pick(NAMES)],
          ['gone', 'null'],
        ]
      : shape === 1
        ? [
            ['id', String(id)],
            ['name', pick(NAMES)],
            ['amount', pick(NUMBERS)],
          ]
        : [
            ['id', String(id)],
            ['at', pick(STAMPS)],
            ['note', 'null'],
          ]
  return `{${pairs.map(([k, v]) => `"${k}":${v}`).join(',')}}`
}

describe('compileFastRows', () => {
  it('reads rows in a shape’s key order and writes them as the compiled rows do', () => {
    const next = random(7)
    let taken = 0
    for (let n = 0; n < 60; n++) {
      const rows = Array.from({ length: 1 + Math.floor(next() * 30) }, (_, i) => row(next, n * 100 + i))
      for (const max of [undefined, 8]) {
        const got = generated(rows, max)
        const want = reference(rows, max)
        expect(got.text, rows.join('\n')).toBe(want)
        if (want !== undefined) expect(got.keys).toEqual(rows.map((r) => JSON.parse(r).id))
        // without a limit on text every value fits its shape: every row goes this way
        if (max === undefined) expect(got.taken.every(Boolean), rows.join('\n')).toBe(true)
        else taken += got.taken.filter(Boolean).length
      }
    }
    expect(taken).toBeGreaterThan(100)
  })

  it('takes every row of the tried shapes whose values fit, and leaves the others', () => {
    const fits = [
      '{"id":1,"name":"a","amount":2.5,"ok":true,"at":"2022-01-03T07:07:14Z","note":"n","gone":null}',
      '{"id":2,"name":null,"amount":null,"ok":null,"at":null,"note":null,"gone":null}',
      '{"id":3,"name":"b","amount":4}',
      '{"id":-4,"at":"2022-01-03T07:07:14Z","note":null}',
      '{"id":5,"name":"","amount":1e3}',
    ]
    expect(generated(fits).taken).toEqual([true, true, true, true, true])
    const others = [
      // keys in another order, whitespace, a key of no shape, a missing key, a second value for a key
      '{"name":"a","id":1,"amount":2}',
      '{"id":1, "name":"a","amount":2}',
      '{"id":1,"name":"a","amount":2,"x":1}',
      '{"id":1,"name":"a"}',
      // values the shape does not take as they are: null id, a fraction or unsafe integer as id, text as number
      '{"id":null,"name":"a","amount":2}',
      '{"id":1.5,"name":"a","amount":2}',
      '{"id":12345678901234567,"name":"a","amount":2}',
      '{"id":1,"name":"a","amount":"2"}',
      '{"id":1,"at":"2022-01-03 07:07:14Z","note":null}',
      '{"id":1,"at":null,"note":"x"}',
      '{"id":1,"name":"\\u00e4","amount":2}',
      '{"id":1,"name":"a","amount":1e400}',
    ]
    for (const r of others) {
      const got = generated([r])
      expect(got.taken, r).toEqual([false])
    }
    // text longer than the limit (an escape counts as one character)
    expect(generated(['{"id":1,"name":"1234567\\n8","amount":1}'], 9).taken).toEqual([true])
    expect(generated(['{"id":1,"name":"12345678\\n9","amount":1}'], 9).taken).toEqual([false])
  })

  it('reads nothing for shapes it cannot tell apart from ones tried before', () => {
    // the short shape's keys are the variant shape's: the generated code reads its rows as that newer shape
    const plan = transcodePlan(SHAPES.slice(0, 2), COLUMNS, undefined, undefined)!
    expect(compileFastRows(plan, 0)).toBeDefined()
    const same = transcodePlan(
      [SHAPES[1]!, SHAPES[1]!.map((k) => ({ ...k, required: true }))],
      COLUMNS,
      undefined,
      undefined,
    )!
    const fast = compileFastRows(same, 0)!
    const body = utf8('[{"id":1,"name":null,"amount":2}]')
    const w = new RowWriter(
      body,
      nodeBodyText,
      same,
      'id',
      loadIdField(LOAD_ID),
      putId,
      false,
      new Uint8Array(8),
    )
    // the newer shape (all keys required) is tried first, and a null name does not fit it: left to pickShape
    expect(fast(w, 1)).toBe(-1)
    expect(w.next(1)).toBe(body.length - 1)
    // an older shape with the same keys in another order: its rows may be of the newer shape, which is tried first
    const swapped = transcodePlan(
      [
        [key('name', 'text'), key('id', 'bigint', true)],
        [key('id', 'bigint', true), { key: 'name', column: 'note', type: 'text' }],
      ],
      COLUMNS,
      undefined,
      undefined,
    )!
    const row = utf8('[{"name":"a","id":1}]')
    const rw = new RowWriter(
      row,
      nodeBodyText,
      swapped,
      'id',
      loadIdField(LOAD_ID),
      putId,
      false,
      new Uint8Array(8),
    )
    expect(compileFastRows(swapped, 0)!(rw, 1)).toBe(-1)
    expect(rw.next(1)).toBe(row.length - 1)
    expect(latin1(rw.out.subarray(0, rw.p))).toBe('1,,"load,1",,,,a,,r0\n')
    // a key that a shape tried before takes as nullable: a shape requiring it is left to pickShape
    const required = transcodePlan(
      [
        [key('id', 'bigint', true), key('name', 'text', true), key('amount', 'double')],
        SHAPES[1]!.slice(0, 2),
      ],
      COLUMNS,
      undefined,
      undefined,
    )!
    const nulls = utf8('[{"id":1,"name":null,"amount":2}]')
    const nw = new RowWriter(
      nulls,
      nodeBodyText,
      required,
      'id',
      loadIdField(LOAD_ID),
      putId,
      false,
      new Uint8Array(8),
    )
    expect(compileFastRows(required, 0)!(nw, 1)).toBe(-1)
    expect(() => nw.next(1)).toThrow(GIVE_UP)
  })

  it('makes room for numbers written longer than their text', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
    const columns = [
      ...names.map((name) => ({ name, dataType: 'double' })),
      { name: '_sluice_id', dataType: 'text' },
    ]
    const plan = transcodePlan([names.map((k) => key(k, 'double'))], columns, undefined, undefined)!
    const row = `{${names.map((k) => `"${k}":1e20`).join(',')}}`
    const body = utf8(`[${Array(50).fill(row).join(',')}]`)
    const w = new RowWriter(
      body,
      nodeBodyText,
      plan,
      undefined,
      loadIdField(LOAD_ID),
      putId,
      false,
      new Uint8Array(8),
    )
    const fast = compileFastRows(plan, -1)!
    for (let i = 1, r = 0; r < 50; r++) i = fast(w, i) + 1
    const line = (r: number): string => `${Array(8).fill('100000000000000000000').join(',')},r${r}\n`
    expect(latin1(w.out.subarray(0, w.p))).toBe(Array.from({ length: 50 }, (_, r) => line(r)).join(''))
  })
})
