function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

async function pipeThrough(
  bytes: Uint8Array,
  transform: CompressionStream | DecompressionStream,
): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart])
    .stream()
    .pipeThrough(transform as unknown as TransformStream<Uint8Array, Uint8Array>)
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

/** Compresses a JSON-serializable state: base64 of gzip of its JSON (the `StoredState.state` form). */
export async function compressState(state: object): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(state))
  return toBase64(await pipeThrough(json, new CompressionStream('gzip')))
}

/** Reverses {@link compressState}. Throws when `s` is not base64 of gzipped JSON. */
export async function decompressState(s: string): Promise<object> {
  const bytes = await pipeThrough(fromBase64(s), new DecompressionStream('gzip'))
  return JSON.parse(new TextDecoder().decode(bytes)) as object
}

/** Hex sha-256 of a string (Web Crypto), e.g. for `StoredState.versionHash`. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  let hex = ''
  for (const b of digest) hex += b.toString(16).padStart(2, '0')
  return hex
}
