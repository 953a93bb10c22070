// The page's files (HTML, CSS, JS modules), shipped in the package's assets/ folder and read once.
import { readdir, readFile } from 'node:fs/promises'

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
}

/** A file of the page. */
export interface Asset {
  body: Uint8Array
  type: string
}

/** The folder of the page's files: `assets/` next to `src/` and `dist/`. */
const ASSETS_DIR = new URL('../assets/', import.meta.url)

let cache: Promise<Map<string, Asset>> | undefined

/** Every file of assets/, by name (read once). */
export function assets(): Promise<Map<string, Asset>> {
  cache ??= (async () => {
    const out = new Map<string, Asset>()
    for (const name of await readdir(ASSETS_DIR)) {
      const type = TYPES[name.split('.').pop() ?? '']
      if (type) out.set(name, { body: new Uint8Array(await readFile(new URL(name, ASSETS_DIR))), type })
    }
    return out
  })().catch((error: unknown) => {
    cache = undefined
    throw error
  })
  return cache
}
