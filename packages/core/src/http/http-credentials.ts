// Small helpers the auth configs share.
import { SluiceError } from '../errors.ts'

/** Base64 of a UTF-8 string (runtime-neutral). */
export function base64Utf8(text: string): string {
  let bin = ''
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b)
  return btoa(bin)
}

/** `value` when it is a non-empty string, else `CONFIG_INVALID` naming `auth.<key>`. */
export function requireString(value: unknown, key: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new SluiceError('CONFIG_INVALID', `auth.${key} must be a non-empty string`, {
      hint: 'set it in the auth config (secrets usually come from the environment or .sluice/secrets.toml)',
    })
  }
  return value
}
