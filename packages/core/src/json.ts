/** A JSON value as parsed by `JSON.parse`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
/** A JSON object: one row as an API returns it. */
export type JsonObject = { [key: string]: JsonValue }

/**
 * Sets `key` of an object being built as an own, enumerable field, as `JSON.parse` makes it: a `"__proto__"` key
 * too (an assignment would set the object's prototype instead).
 */
export function setField(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  else out[key] = value
}
