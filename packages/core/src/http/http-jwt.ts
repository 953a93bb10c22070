// JSON Web Tokens signed with RS256 through Web Crypto (`crypto.subtle`), for the JWT bearer grant (RFC 7523).
import { SluiceError } from '../errors.ts'

const PKCS8 = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/

/** Base64url (RFC 4648 §5, no padding) of bytes. */
export function base64Url(bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * Imports an RSA private key given as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, as in a service-account key file;
 * `\n` written as two characters, as in environment variables, is read as a line break) for RS256 signing. Throws
 * `CONFIG_INVALID` (never showing the key) for another format or a key that does not import.
 */
export async function importRsaPrivateKey(pem: string): Promise<CryptoKey> {
  const body = pkcs8Body(pem)
  let der: Uint8Array<ArrayBuffer>
  try {
    der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0))
  } catch {
    throw new SluiceError('CONFIG_INVALID', 'auth.privateKey: the PEM body is not base64', {
      hint: 'copy the whole key, from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----',
    })
  }
  try {
    return await crypto.subtle.importKey(
      'pkcs8',
      der,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    )
  } catch {
    throw new SluiceError(
      'CONFIG_INVALID',
      'auth.privateKey is not an RSA private key (PKCS#8) Web Crypto can use',
      {
        hint: 'the JWT bearer grant signs with RS256: use the RSA key the token issuer gave you (e.g. a service-account key)',
      },
    )
  }
}

/**
 * The base64 body of an unencrypted PKCS#8 PEM (`\n` as two characters is read as a line break); `CONFIG_INVALID`
 * (never showing the key) for anything else, such as a PKCS#1 `RSA PRIVATE KEY` or an encrypted key.
 */
export function pkcs8Body(pem: string): string {
  const text = pem.replace(/\\n/g, '\n')
  const m = PKCS8.exec(text)
  if (!m) {
    const kind = /-----BEGIN ([A-Z ]+)-----/.exec(text)?.[1]
    throw new SluiceError(
      'CONFIG_INVALID',
      `auth.privateKey is ${kind ? `a "${kind}" PEM` : 'not a PEM'}; it must be an unencrypted PKCS#8 "PRIVATE KEY"`,
      {
        hint: 'convert it with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem (a service-account JSON key file already has this form)',
      },
    )
  }
  return m[1]!.replace(/\s+/g, '')
}

/** A compact JWT of `claims`, signed with RS256 by `key` (`kid` in the header when given). */
export async function signJwt(
  claims: Record<string, unknown>,
  key: CryptoKey,
  kid?: string,
): Promise<string> {
  const enc = new TextEncoder()
  const header = { alg: 'RS256', typ: 'JWT', ...(kid ? { kid } : {}) }
  const input = `${base64Url(enc.encode(JSON.stringify(header)))}.${base64Url(enc.encode(JSON.stringify(claims)))}`
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, enc.encode(input))
  return `${input}.${base64Url(new Uint8Array(signature))}`
}
