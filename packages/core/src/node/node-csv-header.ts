import { Buffer } from 'node:buffer'
import { open } from 'node:fs/promises'
import { SluiceError } from '../errors.ts'

const QUOTE = 0x22
const NEWLINE = 0x0a
const CHUNK = 64 * 1024
const MAX_HEADER_BYTES = 16 * 1024 * 1024
const HINT = 'the job file is not a csv job file written by sluice; drop the pending package and run again'

/** Splits one CSV record (RFC 4180: `"` quoting, `""` inside quotes; may hold quoted newlines) into fields. */
export function parseCsvRecord(line: string): string[] {
  const fields: string[] = []
  let i = 0
  for (;;) {
    let field = ''
    if (line[i] === '"') {
      i++
      for (;;) {
        const q = line.indexOf('"', i)
        if (q === -1) throw new Error('unterminated quoted field')
        field += line.slice(i, q)
        if (line[q + 1] === '"') {
          field += '"'
          i = q + 2
        } else {
          i = q + 1
          break
        }
      }
    } else {
      const comma = line.indexOf(',', i)
      const end = comma === -1 ? line.length : comma
      field = line.slice(i, end)
      i = end
    }
    fields.push(field)
    if (i >= line.length) return fields
    if (line[i] !== ',') throw new Error(`unexpected character after a quoted field at ${i}`)
    i++
  }
}

/**
 * The column names of a csv job file's header (core's job writer always writes one, in the file's own column
 * order, possibly fewer columns than the table has), for destinations that bulk-load csv. Reads only up to the
 * first newline outside quotes. Undefined for an empty file. A header that is not CSV, or none in the first
 * 16 MiB, is a `DESTINATION_DATA` error whose message starts with `[<destination>]`.
 */
export async function readCsvHeader(file: string, destination: string): Promise<string[] | undefined> {
  const handle = await open(file, 'r')
  try {
    const chunks: Buffer[] = []
    const buffer = Buffer.alloc(CHUNK)
    let position = 0
    let quoted = false
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position)
      if (bytesRead === 0) break
      let end = -1
      for (let i = 0; i < bytesRead; i++) {
        const byte = buffer[i]
        if (byte === QUOTE) quoted = !quoted
        else if (byte === NEWLINE && !quoted) {
          end = i
          break
        }
      }
      chunks.push(Buffer.from(buffer.subarray(0, end === -1 ? bytesRead : end)))
      position += bytesRead
      if (end !== -1) break
      if (position > MAX_HEADER_BYTES) {
        throw new SluiceError(
          'DESTINATION_DATA',
          `[${destination}] job file ${file} has no header line in its first 16 MiB`,
          { hint: HINT },
        )
      }
    }
    const line = Buffer.concat(chunks).toString('utf8').replace(/\r$/, '')
    if (line === '') return undefined
    try {
      return parseCsvRecord(line)
    } catch (cause) {
      throw new SluiceError(
        'DESTINATION_DATA',
        `[${destination}] the header of job file ${file} is not valid CSV`,
        { cause, hint: HINT },
      )
    }
  } finally {
    await handle.close()
  }
}
