import { describe, expect, it } from 'vitest'
import { DATA_TYPES } from '../schema/schema-types.ts'
import { type CsvRowEncoder, csvField, putNumber } from './csv-encoder.ts'
import { csvRowEncoder } from './csv-row-encoder.ts'

// A seeded generator, so a failure repeats.
function random(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

const TEXTS = [
  '',
  '\\.',
  '\\.x',
  'plain',
  'a,b',
  'say "hi"',
  '"',
  'line\nbreak',
  'cr\rhere',
  'Grüße aus Köln',
  '日本語',
  'emoji 😀 pair',
  'lone \ud800 high',
  'lone \udc00 low',
  'end high \ud83d',
  ' spaced ',
  'null',
  '2024-01-01T00:00:00Z',
]
const NUMBERS = [
  0,
  -0,
  1,
  9,
  10,
  99,
  100,
  2147483647,
  2147483648,
  -1,
  -2147483648,
  0.5,
  -1.25,
  1e21,
  1e-7,
  2 ** 53,
  -(2 ** 60),
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.MIN_VALUE,
  -Number.MAX_VALUE,
]
const OTHERS: unknown[] = [
  null,
  undefined,
  true,
  false,
  12n,
  -(2n ** 70n),
  { a: [1, 'x,"y"'] },
  ['ä', null],
  '{"k":1}',
]

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)]!
}

/** A value for a column; json columns get no bigint (JSON.stringify refuses it, in both the old and this code). */
function value(next: () => number, dataType?: string): unknown {
  const r = next()
  if (dataType === 'json' && r >= 0.7)
    return pick(
      next,
      OTHERS.filter((v) => typeof v !== 'bigint'),
    )
  if (r < 0.35) return pick(next, TEXTS)
  if (r < 0.6) return pick(next, NUMBERS)
  if (r < 0.7) return Math.floor(next() * 1e9)
  return pick(next, OTHERS)
}

const COLUMNS = DATA_TYPES.map((dataType) => ({ name: `c_${dataType}`, dataType }))

/** The line as the string code wrote it: csvField per value, json columns as JSON text. */
function expectedLine(
  row: Record<string, unknown>,
  columns: readonly { name: string; dataType?: string }[],
): string {
  const fields = columns.map(({ name, dataType }) => {
    const v = row[name]
    return dataType === 'json' && v !== null && v !== undefined ? csvField(JSON.stringify(v)) : csvField(v)
  })
  return `${fields.join(',')}\n`
}

const utf8 = new TextEncoder()

function encodeAll(encode: CsvRowEncoder, row: Record<string, unknown>, size = 1 << 16): Uint8Array {
  const out = new Uint8Array(size)
  const end = encode(row, out, 0)
  expect(end).toBeGreaterThan(0)
  return out.subarray(0, end)
}

describe('putNumber', () => {
  it('writes what String(x) writes: 0 to 99,999, each power of ten and its neighbours, and the rest', () => {
    const numbers = Array.from({ length: 100_000 }, (_, i) => i)
    for (let t = 10; t <= 1e10; t *= 10) numbers.push(t - 1, t, t + 1)
    numbers.push(2147483646, 2147483647, 2147483648, 123456789, 987654321, 1000000007, ...NUMBERS)
    const out = new Uint8Array(64)
    const decoder = new TextDecoder()
    const wrong = numbers.filter((x) => decoder.decode(out.subarray(0, putNumber(out, 0, x))) !== String(x))
    expect(wrong).toEqual([])
  })
})

describe('csvRowEncoder', () => {
  for (const compile of [true, false]) {
    const label = compile ? 'compiled' : 'loop'

    it(`${label}: writes the same bytes as csvField + TextEncoder for values of every kind in every column type`, {
      timeout: 60_000,
    }, () => {
      const encode = csvRowEncoder(COLUMNS, compile)
      const next = random(compile ? 7 : 11)
      for (let n = 0; n < 3000; n++) {
        const row: Record<string, unknown> = {}
        for (const c of COLUMNS) row[c.name] = value(next, c.dataType)
        expect(encodeAll(encode, row)).toEqual(utf8.encode(expectedLine(row, COLUMNS)))
      }
    })

    // thousands of random rows: CPU-bound, slow on a loaded 2-core machine, so a generous timeout (not a speed check)
    it(`${label}: never writes past the buffer: a row either fits exactly or is refused`, {
      timeout: 60_000,
    }, () => {
      const encode = csvRowEncoder(COLUMNS, compile)
      const next = random(compile ? 3 : 5)
      // mostly fixed-size values (the reserve's case), some texts that grow most when encoded
      // (longer than the reserve kept behind texts, so a bound too loose shows)
      const wide = ['日本語'.repeat(400), '"'.repeat(1000), '😀'.repeat(500), 'abc', 10n ** 1500n]
      let refused = 0
      let fitted = 0
      for (let n = 0; n < 4000; n++) {
        const row: Record<string, unknown> = {}
        for (const c of COLUMNS) {
          const r = next()
          const w = pick(next, wide)
          row[c.name] =
            r < 0.1 && !(c.dataType === 'json' && typeof w === 'bigint')
              ? w
              : r < 0.7
                ? pick(next, NUMBERS)
                : pick(next, [true, null, 7])
        }
        const want = utf8.encode(expectedLine(row, COLUMNS))
        const at = Math.floor(next() * 100)
        // buffers from too small to several times the row, most within a few bytes of its exact size
        const slack = next() < 0.7 ? Math.floor(next() * 80) - 40 : Math.floor(next() * 4 * want.length)
        const size = Math.max(at, at + want.length + slack)
        const out = new Uint8Array(size)
        const end = encode(row, out, at)
        if (end < 0) {
          refused++
          continue
        }
        fitted++
        expect(end).toBeLessThanOrEqual(size)
        expect(out.subarray(at, end)).toEqual(want)
      }
      // both outcomes happen, so the test covers the bound and the exact write
      expect(refused).toBeGreaterThan(100)
      expect(fitted).toBeGreaterThan(100)
    })
  }

  it('keeps room for a row of the longest numbers (no value of theirs checks its own size)', () => {
    const columns = Array.from({ length: 50 }, (_, i) => ({
      name: `n${i}`,
      dataType: i % 2 ? 'double' : 'text',
    }))
    const encode = csvRowEncoder(columns)
    const row = Object.fromEntries(columns.map((c) => [c.name, -Number.MAX_VALUE]))
    const want = utf8.encode(expectedLine(row, columns))
    const wrong: number[] = []
    for (let size = want.length - 50; size < 3 * want.length; size++) {
      const out = new Uint8Array(size)
      const end = encode(row, out, 0)
      if (end >= 0 && !Buffer.from(out.subarray(0, end)).equals(want)) wrong.push(size)
    }
    expect(wrong).toEqual([])
    expect(encode(row, new Uint8Array(8 * want.length), 0)).toBe(want.length)
  })

  it('types a column by its data type and handles untyped names like csvField', () => {
    const encode = csvRowEncoder(['a', { name: 'b' }, { name: 'c', dataType: 'json' }])
    const text = new TextDecoder().decode(encodeAll(encode, { a: 'x,y', b: 3, c: 'abc' }))
    expect(text).toBe('"x,y",3,"""abc"""\n')
  })

  it('refuses a huge text value instead of writing part of it', () => {
    const encode = csvRowEncoder([{ name: 't', dataType: 'text' }])
    const out = new Uint8Array(1000)
    expect(encode({ t: 'x'.repeat(2000) }, out, 0)).toBe(-1)
    expect(encode({ t: 'x'.repeat(100) }, out, 0)).toBe(101)
  })

  it('embeds column names as data: quotes and code in a name cannot break the compiled function', () => {
    const name = '"]; throw new Error("injected"); //'
    const encode = csvRowEncoder([
      { name, dataType: 'text' },
      { name: "'\\", dataType: 'bigint' },
    ])
    const text = new TextDecoder().decode(encodeAll(encode, { [name]: 'v', "'\\": 5 }))
    expect(text).toBe('v,5\n')
  })
})

describe('csv without U+0000 (a destination with textNul: false)', () => {
  const decode = (b: Uint8Array): string => new TextDecoder().decode(b)
  const line = (enc: CsvRowEncoder, row: Record<string, unknown>, size = 4096): string => {
    const out = new Uint8Array(size)
    const end = enc(row, out, 0)
    return end < 0 ? '<-1>' : decode(out.subarray(0, end))
  }
  const columns = [
    { name: 't', dataType: 'text' },
    { name: 'j', dataType: 'json' },
    { name: 'n', dataType: 'bigint' },
  ]

  for (const compile of [true, false]) {
    it(`removes it from text and JSON and counts each value once (${compile ? 'compiled' : 'loop'})`, () => {
      const cleaning = { nulRemoved: 0 }
      const enc = csvRowEncoder(columns, compile, cleaning)
      expect(line(enc, { t: 'a\u0000b', j: { k: 'x\u0000y', 'z\u0000': [1] }, n: 1 })).toBe(
        'ab,"{""k"":""xy"",""z"":[1]}",1\n',
      )
      expect(cleaning.nulRemoved).toBe(2)
      // a value of NULs alone stays an empty string (not NULL), and \. stays quoted
      expect(line(enc, { t: '\u0000\u0000', j: 'ok', n: 2 })).toBe('"","""ok""",2\n')
      expect(line(enc, { t: '\\\u0000.' })).toBe('"\\.",,\n')
      expect(line(enc, { t: 'a\u0000,b' })).toBe('"a,b",,\n')
      expect(cleaning.nulRemoved).toBe(5)
      // a text holding "\u0000" as six characters is not a NUL
      expect(line(enc, { t: '\\u0000', j: '\\u0000' })).toBe('\\u0000,"""\\\\u0000""",\n')
      expect(cleaning.nulRemoved).toBe(5)
      // a row the encoder gives up on (too little room) counts nothing: it is written again
      expect(line(enc, { t: 'x\u0000', j: 'y'.repeat(200) }, 300)).toBe('<-1>')
      expect(cleaning.nulRemoved).toBe(5)
      // without cleaning, the character stays
      expect(line(csvRowEncoder(columns, compile), { t: 'a\u0000b' })).toBe('a\u0000b,,\n')
      // a "__proto__" key of a JSON value stays a field
      const proto = JSON.parse('{"__proto__":"p\\u0000","b":1}') as object
      expect(line(enc, { j: proto })).toBe(',"{""__proto__"":""p"",""b"":1}",\n')
    })
  }
})
