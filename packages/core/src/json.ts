/** A JSON value as parsed by `JSON.parse`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
/** A JSON object: one row as an API returns it. */
export type JsonObject = { [key: string]: JsonValue }
