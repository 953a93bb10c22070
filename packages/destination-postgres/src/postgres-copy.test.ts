import type { Column } from '@sluice/core/destination'
import { isSluiceError } from '@sluice/core/destination'
import { describe, expect, it } from 'vitest'
import { escapeCopyText, jsonlToCopyText } from './postgres-copy.ts'

const columns: Column[] = [
  { name: 'id', dataType: 'bigint' },
  { name: 'name', dataType: 'text' },
  { name: 'ok', dataType: 'bool' },
  { name: 'doc', dataType: 'json' },
  { name: 'raw', dataType: 'binary' },
]

async function collect(chunks: (string | Uint8Array)[], cols: Column[] = columns): Promise<string> {
  async function* source() {
    yield* chunks
  }
  let out = ''
  for await (const part of jsonlToCopyText(source(), cols, 'job.jsonl')) out += part
  return out
}

describe('jsonlToCopyText', () => {
  it('writes COPY text lines in column order with escapes, NULLs, booleans, JSON and bytea hex', async () => {
    const line1 = JSON.stringify({
      raw: 'AQL/',
      doc: { a: 'x\ty' },
      ok: true,
      name: 'back\\slash\nnew',
      id: 1,
    })
    const line2 = JSON.stringify({ id: '9007199254740993', name: '', ok: false, doc: null })
    const out = await collect([`${line1}\n${line2}\n`])
    expect(out).toBe(
      `1\tback\\\\slash\\nnew\tt\t{"a":"x\\\\ty"}\t\\\\x0102ff\n` + `9007199254740993\t\tf\t\\N\t\\N\n`,
    )
  })

  it('handles lines and multi-byte characters split across chunks, and a last line without newline', async () => {
    const bytes = new TextEncoder().encode(
      `${JSON.stringify({ id: 1, name: 'größe' })}\n${JSON.stringify({ id: 2 })}`,
    )
    const cut = bytes.indexOf(0xc3) + 1 // inside the two-byte ö
    const out = await collect([bytes.slice(0, cut), bytes.slice(cut)], columns.slice(0, 2))
    expect(out).toBe('1\tgröße\n2\t\\N\n')
  })

  it('names the line of invalid JSON', async () => {
    let error: unknown
    try {
      await collect(['{"id":1}\n{"id":\n'])
    } catch (e) {
      error = e
    }
    expect(isSluiceError(error, 'DESTINATION_DATA')).toBe(true)
    expect((error as Error).message).toContain('line 2')
  })

  it('escapes only what COPY text needs', () => {
    expect(escapeCopyText('plain, "quoted"')).toBe('plain, "quoted"')
    expect(escapeCopyText('a\r\n\tb\\')).toBe('a\\r\\n\\tb\\\\')
  })
})
