import { describe, expect, it } from 'vitest'
import { LOAD_ID, latin1, putId, random, SHAPES, utf8 } from '../../test/transcode-fixtures.ts'
import { encodeFlatRows } from '../job-files/encoded-rows.ts'
import { compileFlatCsvRow, type IdWriter, NOT_THIS_SHAPE } from '../job-files/flat-csv-encoder.ts'
import { isPlainUtcTimestamp, isPlainUtcTimestampAt } from '../normalize/value-coercion.ts'
import { bodyMode, readPageBody } from '../page-workers/page-parse.ts'
import { loadIdField, transcodePage } from '../page-workers/page-transcode.ts'
import { transcodePlan } from '../page-workers/page-transcode-plan.ts'
import type { PageParseOptions } from '../page-workers/page-types.ts'
import { nodeBodyText } from './node-body-text.ts'

// The transcoder against the path it stands in for: `readPageBody`, then the compiled flat rows
// (`compileFlatCsvRow` via `encodeFlatRows`). For every body it writes, the bytes, row ends, id places, keys and
// meta must be the ones that path gives; where that path throws or leaves the flat shapes, it must give up.

const COLUMNS = [
  { name: 'id', dataType: 'bigint' },
  { name: 'name', dataType: 'text' },
  { name: 'amount', dataType: 'double' },
  { name: 'ok', dataType: 'bool' },
  { name: 'at', dataType: 'timestamp' },
  { name: 'note', dataType: 'text' },
  { name: 'unused', dataType: 'text' },
  { name: 'amount__v_double', dataType: 'double' },
  { name: '_sluice_load_id', dataType: 'text' },
  { name: '_sluice_id', dataType: 'text' },
]

interface Written {
  text: string
  ends: number[]
  idsAt: number[] | undefined
  keys: unknown[] | undefined
  meta: unknown
}

/** What the path the transcoder stands in for gives: its csv, or why not. */
function reference(
  body: Uint8Array,
  options: PageParseOptions,
  later: boolean,
  max?: number,
): Written | string {
  let page: ReturnType<typeof readPageBody>
  try {
    page = readPageBody(body, options, nodeBodyText)
  } catch {
    return 'throws'
  }
  if (!page.found) return 'no list'
  const fns = SHAPES.map((k) => compileFlatCsvRow(k, COLUMNS, { bytes: page.bytes, maxTextChars: max })!)
  const ends = new Uint32Array(page.rows.length)
  const idsAt: number[] = []
  const ids: IdWriter = (out, p, i) => {
    idsAt[i] = p
    return putId(out, p, i)
  }
  const bytes = encodeFlatRows(fns, page.rows, LOAD_ID, ids, 64, ends, () => NOT_THIS_SHAPE)
  if (!bytes) return 'not flat'
  return {
    text: latin1(bytes),
    ends: [...ends],
    idsAt: later ? idsAt : undefined,
    keys: page.keys,
    meta: page.meta,
  }
}

/** What the transcoder gives, or undefined. */
function transcoded(
  body: Uint8Array,
  options: PageParseOptions,
  later: boolean,
  max?: number,
): Written | undefined {
  const mode = bodyMode(body, options, nodeBodyText)
  if (mode === undefined) return undefined
  const plan = transcodePlan(SHAPES, COLUMNS, max, undefined)!
  const out = transcodePage(
    body,
    mode,
    nodeBodyText,
    options,
    plan,
    loadIdField(LOAD_ID),
    putId,
    later,
    new Uint8Array(16),
  )
  if (!out) return undefined
  return {
    text: latin1(out.bytes),
    ends: [...out.ends],
    idsAt: out.idsAt ? [...out.idsAt] : undefined,
    keys: out.keys ? [...out.keys] : undefined,
    meta: out.meta,
  }
}

/** Checks `body` both ways; returns whether the transcoder wrote it. */
function same(body: Uint8Array, options: PageParseOptions, later = false, max?: number): boolean {
  const want = reference(body, options, later, max)
  const got = transcoded(body, options, later, max)
  if (got === undefined) return false
  if (typeof want === 'string')
    throw new Error(`transcoded a body the parser reads as "${want}": ${latin1(body)}`)
  expect(got, latin1(body)).toEqual(want)
  return true
}

const pick = <T>(next: () => number, list: readonly T[]): T => list[Math.floor(next() * list.length)]!

const NAMES = ['Ada', 'Grün & Co', 'a,b', '', 'x'.repeat(30), '日本', '😀 ok', 'Frauke Krüger', 'tab\there']
const DECIMALS = ['0', '1', '-3', '22.92', '0.5', '-0.25', '125', '99999.99', '0.000001', '123456789012.345']
const STAMPS = [
  '2022-01-03T07:07:14Z',
  '2024-02-29T23:59:59Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
]

/** A row of one of the shapes, as JSON text (its keys shuffled when `shuffle`). */
function cleanRow(next: () => number, id: number, shuffle: boolean): string {
  const shape = Math.floor(next() * 3)
  const pairs: [string, string][] =
    shape === 0
      ? [
          ['id', String(id)],
          ['name', next() < 0.2 ? 'null' : JSON.stringify(pick(next, NAMES))],
          ['amount', next() < 0.2 ? 'null' : pick(next, DECIMALS)],
          ['ok', pick(next, ['true', 'false', 'null'])],
          ['at', next() < 0.2 ? 'null' : JSON.stringify(pick(next, STAMPS))],
          ['note', JSON.stringify(pick(next, NAMES))],
          ['gone', 'null'],
        ]
      : shape === 1
        ? [
            ['id', String(id)],
            ['name', JSON.stringify(pick(next, NAMES))],
            ['amount', pick(next, DECIMALS)],
          ]
        : [
            ['id', String(id)],
            ['at', JSON.stringify(pick(next, STAMPS))],
            ['note', 'null'],
          ]
  if (shuffle) pairs.sort(() => next() - 0.5)
  return `{${pairs.map(([k, v]) => `"${k}":${v}`).join(',')}}`
}

const entries = (rows: string[], before = '"paging":{"page":1},'): Uint8Array =>
  utf8(`{${before}"entries":[${rows.join(',')}]}`)
const OPTIONS: PageParseOptions = { dataKeys: ['entries', 'data'], key: 'id', meta: ['paging'] }

describe('transcodePage', () => {
  it('writes what parsing and the compiled rows write, for rows of the compiled shapes', () => {
    const next = random(3)
    for (let n = 0; n < 200; n++) {
      const rows = Array.from({ length: 1 + Math.floor(next() * 40) }, (_, i) =>
        cleanRow(next, n * 100 + i, n % 3 === 0),
      )
      const later = n % 2 === 0
      expect(same(entries(rows), OPTIONS, later)).toBe(true)
      expect(same(utf8(`[${rows.join(',')}]`), { key: 'id' }, later)).toBe(true)
      expect(same(entries(rows, ''), { dataKeys: ['entries'] }, later)).toBe(true)
    }
  })

  it('reads JSON with whitespace, an empty list, meta that is missing and lists under a later data key', () => {
    const next = random(5)
    const rows = Array.from({ length: 20 }, (_, i) => cleanRow(next, i, true))
    const spaced = JSON.stringify(
      { paging: { page: 2, ü: 'ä' }, entries: rows.map((r) => JSON.parse(r)) },
      null,
      2,
    )
    expect(same(utf8(spaced), OPTIONS)).toBe(true)
    expect(same(utf8(` \n\t{ "entries" : [ ] , "paging" : null } \r\n`), OPTIONS)).toBe(true)
    const tabs = rows.map((r) => r.replaceAll('":', '"\t:\r\n ').replaceAll(',"', ' ,\t"'))
    expect(same(entries(tabs), OPTIONS)).toBe(true)
    expect(same(utf8(`{"entries":[${rows.join(',')}]}`), OPTIONS)).toBe(true)
    expect(same(utf8(`{"entries":null,"data":[${rows.join(',')}],"x":[1,{"y":"\\n"}]}`), OPTIONS)).toBe(true)
    expect(same(utf8(`{"meta":{"a":[true,false,null,-1.5e3]},"data":[${rows.join(',')}]}`), OPTIONS)).toBe(
      true,
    )
  })

  it('reads escapes outside the rows of an ASCII body', () => {
    const rows = ['{"id":1,"name":"a","amount":2}', '{"id":2,"name":"b","amount":3.5}']
    expect(
      same(utf8(`{"paging":{"who":"M\\u00fcller \\ud83d\\ude00"},"entries":[${rows.join(',')}]}`), OPTIONS),
    ).toBe(true)
    expect(
      transcoded(utf8(`{"paging":"\\u00fc","entries":[${rows.join(',')}]}`), OPTIONS, false)?.meta,
    ).toEqual({
      paging: 'ü',
    })
  })

  it('writes numbers, escapes and texts as the compiled rows do', () => {
    const numbers = [
      '0',
      '-0',
      '1.0',
      '1.50',
      '1e3',
      '1E-7',
      '-2.5e+2',
      '0.0000001',
      '0.000001',
      '123456789012345',
    ]
    numbers.push('1234567890123456', '9007199254740993', '1e400', '-1e400', '0.1', '100', '5e-324', '3.0e0')
    const strings = [
      '"a\\"b"',
      '"\\\\."',
      '"\\\\"',
      '"\\/x"',
      '"a\\nb"',
      '"\\r"',
      '"\\t\\b\\f"',
      '"x,y"',
      '""',
    ]
    strings.push('"\\\\.x"', '".\\\\"', '"ü,"', '"1234567890"', '"12345678901"')
    let written = 0
    for (const amount of numbers)
      for (const idText of ['7', amount]) {
        const row = `{"id":${idText},"name":"n","amount":${amount}}`
        if (same(entries([row]), OPTIONS)) written++
      }
    for (const name of strings)
      for (const max of [undefined, 10]) {
        const row = `{"id":1,"name":${name},"amount":1}`
        if (same(entries([row, row]), OPTIONS, false, max)) written++
      }
    // every number but the ones no column takes as it is, every string (within the limit) is written
    expect(written).toBeGreaterThan(40)
    // numbers written longer than their text (1e20 is 100000000000000000000): the buffer grows in time
    const long = Array.from(
      { length: 300 },
      (_, i) => `{"id":${i},"name":"n","amount":${i % 2 ? '1e20' : '-1e-7'}}`,
    )
    expect(same(entries(long), OPTIONS)).toBe(true)
    // the limit counts characters, an escape as one
    expect(same(entries(['{"id":1,"name":"1234567\\n89","amount":1}']), OPTIONS, false, 10)).toBe(true)
    expect(same(entries(['{"id":1,"name":"12345678\\n89","amount":1}']), OPTIONS, false, 10)).toBe(false)
    // a key of the primary key must not be null (the row leaves the compiled shapes)
    expect(same(entries(['{"id":null,"name":"a","amount":1}']), { dataKeys: ['entries'] })).toBe(false)
    expect(same(entries(['{"id":3,"name":null,"amount":null}']), { dataKeys: ['entries'] })).toBe(true)
  })

  it('checks timestamps as isPlainUtcTimestamp does', () => {
    const next = random(11)
    const stamps = [
      '2024-02-30T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '0000-01-01T00:00:00Z',
    ]
    stamps.push(
      '2024-01-01T00:00:00z',
      '2024-01-01T24:00:00Z',
      '2024-01-01 00:00:00Z',
      '2024-01-01T00:00:00.5Z',
    )
    for (let n = 0; n < 3000; n++) {
      const digits = Array.from({ length: 14 }, () =>
        next() < 0.9 ? String(Math.floor(next() * 10)) : pick(next, ['a', ':', '/']),
      )
      const d = digits.join('')
      stamps.push(
        `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(8, 10)}:${d.slice(10, 12)}:${d.slice(12)}Z`,
      )
    }
    for (const s of stamps) {
      const bytes = utf8(s)
      expect(bytes.length === 20 && isPlainUtcTimestampAt(bytes, 0), s).toBe(isPlainUtcTimestamp(s))
      same(entries([`{"id":1,"at":${JSON.stringify(s)},"note":null}`]), OPTIONS)
    }
  })

  it('gives up where the parser would throw or rows leave the compiled shapes', () => {
    const rows = ['{"id":1,"name":"a","amount":2}', '{"id":2,"name":"b","amount":3}']
    const cases = [
      `{"entries":[${rows.join(',')}],}`,
      `{"entries":[${rows.join(',')},]}`,
      `{"entries":[${rows.join(',')}]} x`,
      `{"entries":[${rows.join(',')}]`,
      '{"entries":[{"id":1,"name":"a\nb","amount":2}]}',
      '{"entries":[{"id":1,"name":"a\\x","amount":2}]}',
      '{"entries":[{"id":01,"name":"a","amount":2}]}',
      '{"entries":[{"id":1,"name":"a","amount":2.}]}',
      '{"entries":[{"id":1,"name":"a","amount":nul}]}',
      '{"entries":[{"id":1,"name":"a","amount":2},{"id":1,"name":"a","amount":2,"x":1}]}',
      '{"entries":[{"id":1,"name":"a","name":"b","amount":2}]}',
      '{"entries":[{"id":1,"name":"\\u00e4","amount":2}]}',
      '{"entries":[{"id":1,"name":["a"],"amount":2}]}',
      '{"entries":[{"id":null,"name":"a","amount":2}]}',
      '{"entries":[{"id":1.5,"name":"a","amount":2}]}',
      '{"entries":[{"id":"1","name":"a","amount":2}]}',
      '{"entries":[{"id":1,"name":1,"amount":2}]}',
      '{"entries":[{"id":1,"name":"a","amount":"2"}]}',
      '{"entries":[{"id":1,"name":"a","amount":2},3]}',
      // keys that differ from the key of the row before in their last byte, or in length
      '{"entries":[{"id":1,"name":"a","amount":2},{"id":1,"name":"a","amounx":2}]}',
      '{"entries":[{"id":1,"name":"a","amount":2},{"id":1,"namf":"a","amount":2}]}',
      '{"entries":[{"id":1,"name":"a","amount":2},{"ie":1,"name":"a","amount":2}]}',
      '{"entries":[{"id":1,"name":"a","amount":2},{"id":1,"name":"a","amoun":2}]}',
      `{"entries":[${rows.join(',')}],"entries":[]}`,
      `{"data":[${rows.join(',')}],"entries":[${rows.join(',')}]}`,
      `{"paging":{"a":1,},"entries":[${rows.join(',')}]}`,
      `{"paging":"\\q","entries":[${rows.join(',')}]}`,
      `{"entries":{"id":1}}`,
      `{"other":[${rows.join(',')}]}`,
      `"entries"`,
      `{"ent\\u0072ies":[${rows.join(',')}]}`,
    ]
    for (const body of cases) expect(same(utf8(body), OPTIONS), body).toBe(false)
    // as the rows come: the id, the key asked for, must be in every row
    expect(same(entries(rows), { dataKeys: ['entries'], key: 'name' })).toBe(false)
    expect(same(entries(rows), { dataKeys: ['entries'], meta: ['entries'] })).toBe(false)
  })

  it('never writes a body the parser reads otherwise (random cuts and changed bytes)', () => {
    const next = random(23)
    let written = 0
    for (let n = 0; n < 1500; n++) {
      const rows = Array.from({ length: 1 + Math.floor(next() * 6) }, (_, i) =>
        cleanRow(next, i, next() < 0.5),
      )
      const body = entries(rows)
      const changed = body.slice(0, next() < 0.3 ? Math.floor(next() * body.length) : body.length)
      for (let k = Math.floor(next() * 3); k > 0; k--)
        changed[Math.floor(next() * changed.length)] = pick(
          next,
          [0x22, 0x2c, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x20, 0x0a, 0x31, 0x2e, 0x65, 0x2d, 0x6e, 0x00],
        )
      if (same(changed, OPTIONS, n % 2 === 0, n % 5 === 0 ? 5 : undefined)) written++
    }
    expect(written).toBeGreaterThan(300)
  })
})
