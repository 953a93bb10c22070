let lastIssued = 0

/**
 * A new load id: Unix time in seconds with 6 fractional digits, e.g. `1732812345.123456`. Strictly greater
 * than `previous` (when given) and than every id issued before in this process, so ids sort in load order
 * (numerically, and as strings until the year 2286).
 */
export function newLoadId(previous?: string): string {
  let value = Math.round(Date.now() * 1000) / 1e6
  const floor = Math.max(lastIssued, previous === undefined ? 0 : Number(previous))
  if (!(value > floor)) value = Math.round(floor * 1e6 + 1) / 1e6
  lastIssued = value
  return value.toFixed(6)
}

/** Compares two load ids as numbers (for sorting ids from {@link newLoadId}); equal numbers as strings. */
export function compareLoadIdNumbers(a: string, b: string): number {
  return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0)
}

/** True for a string shaped like a load id (digits, optionally one dot and more digits): safe as a folder name. */
export function isLoadId(id: unknown): id is string {
  return typeof id === 'string' && /^\d+(\.\d+)?$/.test(id)
}
