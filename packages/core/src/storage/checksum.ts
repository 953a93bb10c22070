// XXH32 (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md), streaming, seed 0: a checksum of a
// job file computed from the bytes as they are written, at several GB/s in JavaScript (SHA-256 in JavaScript
// reaches about 120 MB/s here, and Web Crypto cannot hash a stream). It detects damaged or truncated files, it
// is not a cryptographic hash.

const P1 = 0x9e3779b1 | 0
const P2 = 0x85ebca77 | 0
const P3 = 0xc2b2ae3d | 0
const P4 = 0x27d4eb2f | 0
const P5 = 0x165667b1 | 0

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r))
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1)
}

/** A checksum computed chunk by chunk. */
export interface Checksum {
  /** Adds bytes (they are read at once, not kept). */
  update(bytes: Uint8Array): void
  /** The checksum of every byte so far, e.g. `xxh32:02cc5d05`; more bytes may follow. */
  digest(): string
}

/** Prefix of the checksums {@link createChecksum} makes (the algorithm), e.g. `xxh32:02cc5d05`. */
export const CHECKSUM_PREFIX = 'xxh32:'

/** A streaming XXH32 checksum (seed 0) of the bytes given to `update`, as `xxh32:<8 hex digits>`. */
export function createChecksum(): Checksum {
  let v1 = (P1 + P2) | 0
  let v2 = P2
  let v3 = 0
  let v4 = -P1 | 0
  let total = 0
  const tail = new Uint8Array(16)
  const tailView = new DataView(tail.buffer)
  let tailLength = 0

  function stripes(view: DataView, from: number, to: number): void {
    for (let i = from; i + 16 <= to; i += 16) {
      v1 = round(v1, view.getUint32(i, true))
      v2 = round(v2, view.getUint32(i + 4, true))
      v3 = round(v3, view.getUint32(i + 8, true))
      v4 = round(v4, view.getUint32(i + 12, true))
    }
  }

  return {
    update(bytes) {
      total += bytes.length
      let at = 0
      if (tailLength > 0) {
        const take = Math.min(16 - tailLength, bytes.length)
        tail.set(bytes.subarray(0, take), tailLength)
        tailLength += take
        at = take
        if (tailLength < 16) return
        stripes(tailView, 0, 16)
        tailLength = 0
      }
      const whole = at + Math.floor((bytes.length - at) / 16) * 16
      if (whole > at) stripes(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), at, whole)
      tail.set(bytes.subarray(whole), 0)
      tailLength = bytes.length - whole
    },
    digest() {
      let h = total >= 16 ? (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0 : (v3 + P5) | 0
      h = (h + total) | 0 // the length modulo 2^32, as the specification adds it
      let i = 0
      for (; i + 4 <= tailLength; i += 4)
        h = Math.imul(rotl((h + Math.imul(tailView.getUint32(i, true), P3)) | 0, 17), P4)
      for (; i < tailLength; i++) h = Math.imul(rotl((h + Math.imul(tail[i]!, P5)) | 0, 11), P1)
      h ^= h >>> 15
      h = Math.imul(h, P2)
      h ^= h >>> 13
      h = Math.imul(h, P3)
      h ^= h >>> 16
      return CHECKSUM_PREFIX + (h >>> 0).toString(16).padStart(8, '0')
    },
  }
}

/** Prefix of CRC-32 checksums (see {@link createCrc32}), e.g. `crc32:3610a686`. */
export const CRC32_PREFIX = 'crc32:'

/** CRC-32's table (reflected polynomial 0xedb88320), made on first use. */
let crcTable: Int32Array | undefined

function crc32Table(): Int32Array {
  crcTable ??= Int32Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c
  })
  return crcTable
}

/**
 * A streaming CRC-32 (ISO-HDLC, as zlib computes it) of the bytes given to `update`, as `crc32:<8 hex digits>`,
 * table-driven in JavaScript. A runtime with a native one offers it as `FileSystem.crc32` (Node.js: `node:zlib`),
 * and job files are then written with it; this one checks such files where the runtime has none.
 */
export function createCrc32(): Checksum {
  const table = crc32Table()
  let crc = -1
  return {
    update(bytes) {
      let c = crc
      for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
      crc = c
    },
    digest: () => CRC32_PREFIX + ((crc ^ -1) >>> 0).toString(16).padStart(8, '0'),
  }
}

/**
 * A fresh checksum of the algorithm a recorded checksum names (its prefix): XXH32, or CRC-32 (`crc32`, the
 * runtime's, else {@link createCrc32}). Undefined for one this version does not know.
 */
export function checksumLike(recorded: string, crc32?: () => Checksum): Checksum | undefined {
  if (recorded.startsWith(CHECKSUM_PREFIX)) return createChecksum()
  if (recorded.startsWith(CRC32_PREFIX)) return crc32?.() ?? createCrc32()
  return undefined
}
