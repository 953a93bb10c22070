import { redact } from '../errors.ts'

const SECRET_PARAM =
  /^(api[_-]?key|apikey|key|token|access[_-]?token|auth|authorization|client[_-]?secret|password|passwd|secret|signature|sig|session)$/i

/**
 * Removes secrets from a URL: userinfo is stripped, values of secret-looking query parameters (and of
 * `extraParams`) become `***`, and every listed secret is replaced anywhere in the text.
 */
export function redactUrl(
  url: string | URL,
  secrets: Iterable<string | undefined>,
  extraParams: readonly string[] = [],
): string {
  let u: URL
  try {
    u = new URL(String(url))
  } catch {
    return redact(String(url), secrets)
  }
  u.username = ''
  u.password = ''
  const names = [...u.searchParams.keys()]
  for (const name of new Set(names)) {
    if (SECRET_PARAM.test(name) || extraParams.includes(name)) u.searchParams.set(name, '***')
  }
  return redact(
    u
      .toString()
      .replace(/\*\*\*/g, '***')
      .replace(/%2A%2A%2A/g, '***'),
    secrets,
  )
}

/** Each secret as given, percent-encoded and form-encoded (as it may appear in a URL or body); empty ones left out. */
export function secretForms(values: Iterable<string | undefined>): string[] {
  const out: string[] = []
  for (const s of values) {
    if (!s) continue
    out.push(s)
    const enc = encodeURIComponent(s)
    if (enc !== s) out.push(enc)
    const form = new URLSearchParams({ s }).toString().slice(2)
    if (form !== s && form !== enc) out.push(form)
  }
  return out
}
