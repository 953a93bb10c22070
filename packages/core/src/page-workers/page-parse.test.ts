import { describe, expect, it } from 'vitest'
import { BodyDecodeError } from '../http/http-error.ts'
import { isParsedPage, LocalPage, pageRows, parsePageHere, readPageBody } from './page-parse.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('readPageBody', () => {
  it('takes the first data key holding a list, with keys and meta', () => {
    const body = readPageBody(
      bytes('{"paging":{"count_pages":3},"data":{"x":1},"entries":[{"id":1},{"id":"a"},{}]}'),
      { dataKeys: ['data', 'entries'], key: 'id', meta: ['paging', 'missing'] },
    )
    expect(body).toEqual({
      rows: [{ id: 1 }, { id: 'a' }, {}],
      found: true,
      bodyKeys: undefined,
      keys: [1, 'a', undefined],
      meta: { paging: { count_pages: 3 }, missing: undefined },
      invalidUtf8: 0,
      bytes: false,
    })
  })

  it('reads a body that is a list, and tells a body without one by its keys', () => {
    expect(readPageBody(bytes('[{"a":1}]'), {}).rows).toEqual([{ a: 1 }])
    const none = readPageBody(bytes('{"error":"x","items":[]}'), { dataKeys: ['entries'] })
    expect(none).toMatchObject({ found: false, bodyKeys: ['error', 'items'], rows: [] })
    expect(readPageBody(bytes('  '), { dataKeys: ['entries'] })).toMatchObject({
      found: false,
      bodyKeys: undefined,
    })
    expect(readPageBody(bytes('"text"'), { dataKeys: ['entries'] })).toMatchObject({
      found: false,
      bodyKeys: undefined,
    })
  })

  it('throws BodyDecodeError with the start of the body, telling cut-off JSON from other text', () => {
    const cut = (() => {
      try {
        readPageBody(bytes('{"entries": [{"id": 1}, {"id"'), {})
      } catch (e) {
        return e
      }
    })() as BodyDecodeError
    expect(cut).toBeInstanceOf(BodyDecodeError)
    expect(cut.looksJson).toBe(true)
    expect(cut.snippet).toBe('{"entries": [{"id": 1}, {"id"')
    expect(() => readPageBody(bytes('<html>\n  oops</html>'), {})).toThrow(
      expect.objectContaining({ looksJson: false, snippet: '<html> oops</html>' }),
    )
  })

  it('decodes UTF-8 and replaces invalid bytes as TextDecoder does, counting them', () => {
    const body = readPageBody(new Uint8Array([...bytes('[{"t":"é'), 0xff, ...bytes('"}]')]), {})
    expect(body.rows).toEqual([{ t: 'é\ufffd' }])
    expect(body.invalidUtf8).toBe(1)
    // Latin-1 "Grüße" (ü = 0xfc, ß = 0xdf) next to a U+FFFD the body really holds: two replaced, not three
    const latin1 = readPageBody(new Uint8Array([...bytes('["Gr'), 0xfc, 0xdf, ...bytes('e \ufffd"]')]), {})
    expect(latin1.rows).toEqual(['Gr\ufffd\ufffde \ufffd'])
    expect(latin1.invalidUtf8).toBe(2)
    expect(readPageBody(bytes('["Grüße"]'), {}).invalidUtf8).toBe(0)
  })
})

describe('LocalPage', () => {
  it('selects rows once and is told apart from arrays of rows', async () => {
    const page = await parsePageHere(bytes('[{"id":1},{"id":2},{"id":3}]'), { key: 'id' })
    expect(page).toBeInstanceOf(LocalPage)
    expect(isParsedPage(page)).toBe(true)
    expect(isParsedPage([{ id: 1 }])).toBe(false)
    page.select((i) => page.keys![i] !== 2)
    expect([page.count, page.size]).toEqual([3, 2])
    expect(pageRows(page)).toEqual([{ id: 1 }, { id: 3 }])
    expect(() => page.select(() => true)).toThrow(/once/)
  })

  it('rejects (not throws) for a body that is not JSON', async () => {
    await expect(parsePageHere(bytes('nope'), {})).rejects.toBeInstanceOf(BodyDecodeError)
  })
})
