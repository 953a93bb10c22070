import { Buffer, isAscii, isUtf8 } from 'node:buffer'
import type { BodyText } from '../page-workers/page-bytes.ts'

const view = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/** {@link BodyText} with `node:buffer`'s native checks and Latin-1 decoding (what Node.js page workers use). */
export const nodeBodyText: BodyText = {
  isUtf8: (bytes) => isUtf8(bytes),
  isAscii: (bytes) => isAscii(bytes),
  latin1: (bytes) => view(bytes).toString('latin1'),
  includes: (bytes, needle) => view(bytes).includes(needle, 0, 'latin1'),
  indexOf: (bytes, needle, from) => view(bytes).indexOf(needle, from, 'latin1'),
  lastIndexOf: (bytes, needle, from) => view(bytes).lastIndexOf(needle, from, 'latin1'),
}
