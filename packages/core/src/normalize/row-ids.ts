import { shake128 } from '@noble/hashes/sha3.js'

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** All 4096 two-character base64url strings, indexed by 12 bits. */
const PAIRS: string[] = Array.from({ length: 4096 }, (_, i) => B64URL[i >> 6]! + B64URL[i & 63]!)
const encoder = new TextEncoder()

function encode(bytes: Uint8Array, start: number, length: number): string {
  let out = ''
  const end = start + length
  for (let i = start; i + 2 < end; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += PAIRS[n >> 12]! + PAIRS[n & 4095]!
  }
  return out
}

const ID_BYTES = 12
const BATCH = 2048

/**
 * Returns a function producing random 16-character base64url ids (96 random bits each), drawing from
 * `crypto.getRandomValues` in batches so a row costs no system call.
 */
export function createRandomIds(): () => string {
  const buf = new Uint8Array(ID_BYTES * BATCH)
  let pos = buf.length
  return () => {
    if (pos >= buf.length) {
      crypto.getRandomValues(buf)
      pos = 0
    }
    const id = encode(buf, pos, ID_BYTES)
    pos += ID_BYTES
    return id
  }
}

/** A deterministic 20-character base64url id: the first 15 bytes of shake_128 over the UTF-8 of `content`. */
export function digestId(content: string): string {
  return encode(shake128(encoder.encode(content), { dkLen: 15 }), 0, 15)
}
