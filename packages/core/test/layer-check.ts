// Reads the imports of a tree of TypeScript files (static, type-only and dynamic) and finds imports against
// core's layer order and import circles. Used by layers.test.ts on the real sources and on planted ones.

/**
 * Core's layers, lowest first. A file may import files of its own area and of lower layers, never of a higher
 * layer or of another area of its own layer. Areas are the folders of src/; the files at the top of src/ belong
 * to `base` (errors, error codes, events, JSON types) or are entry files (`entries`).
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['base'],
  ['http', 'schema', 'config'],
  ['normalize'],
  ['job-files'],
  ['storage'],
  ['page-workers'],
  ['source', 'destination'],
  ['dataset'],
  ['pipeline'],
  ['node', 'testing'],
  ['entries'],
]

/** The files at the top of src/ and their area. */
const ROOT_FILES: Record<string, string> = {
  'errors.ts': 'base',
  'error-codes.ts': 'base',
  'events.ts': 'base',
  'json.ts': 'base',
  'index.ts': 'entries',
  'destination-api.ts': 'entries',
}

/** Entry files of the package's subpaths: nothing inside core imports them. */
export const ENTRY_FILES: readonly string[] = [
  'index.ts',
  'destination-api.ts',
  'node/index.ts',
  'testing/index.ts',
]

/** One import: the file, what it imports (as written) and the file that resolves to. */
export interface ImportEdge {
  from: string
  specifier: string
  to: string
}

/** Relative imports of a file: `import ... from`, `export ... from`, `import '...'` and `import('...')`. */
export function importsOf(file: string, text: string): ImportEdge[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const patterns = [
    /^\s*(?:import|export)\s[^'"]*?\sfrom\s*['"](\.{1,2}\/[^'"]+)['"]/gm,
    /^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm,
    /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g,
  ]
  const edges: ImportEdge[] = []
  for (const re of patterns) {
    for (const m of code.matchAll(re))
      edges.push({ from: file, specifier: m[1]!, to: join(dirOf(file), m[1]!) })
  }
  return edges
}

function dirOf(file: string): string {
  const i = file.lastIndexOf('/')
  return i < 0 ? '' : file.slice(0, i)
}

/** `dir` joined with a relative path, normalized (`a/b` + `../c.ts` = `a/c.ts`; above src/ keeps its `..`). */
function join(dir: string, rel: string): string {
  const parts = dir === '' ? [] : dir.split('/')
  for (const p of rel.split('/')) {
    if (p === '..' && parts.length > 0 && parts.at(-1) !== '..') parts.pop()
    else if (p !== '.') parts.push(p)
  }
  return parts.join('/')
}

/** The area of a file of src/ (its top folder, or `base`/`entries` for files at the top). */
export function areaOf(file: string): string {
  const i = file.indexOf('/')
  return i < 0 ? (ROOT_FILES[file] ?? file) : file.slice(0, i)
}

function rankOf(area: string): number {
  return LAYERS.findIndex((layer) => layer.includes(area))
}

/**
 * Imports against the layer order among `files` (paths relative to src/, contents): each message names the
 * file, the import and the rule. Test files (`*.test.ts`) may import anything.
 */
export function layerViolations(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = []
  for (const [file, text] of files) {
    const area = areaOf(file)
    const rank = rankOf(area)
    if (rank < 0) out.push(`${file}: its area "${area}" has no layer (add it to LAYERS)`)
    if (file.endsWith('.test.ts')) continue
    for (const edge of importsOf(file, text)) {
      if (!edge.to.startsWith('..') && !files.has(edge.to)) {
        out.push(`${file}: imports ${edge.specifier}, which is no file of src/`)
        continue
      }
      const target = areaOf(edge.to)
      const targetRank = rankOf(target)
      if (ENTRY_FILES.includes(edge.to)) {
        out.push(`${file}: imports ${edge.specifier}: entry files are imported by no file of core`)
      } else if (edge.to === '../package.json') {
        // the package's own manifest, for its version
      } else if (edge.to.startsWith('..')) {
        out.push(`${file}: imports ${edge.specifier}, outside src/`)
      } else if (target === area) {
        // its own area
      } else if (targetRank > rank) {
        out.push(
          `${file}: imports ${edge.specifier}: ${area} (layer ${rank}) must not import ${target} (layer ${targetRank}, higher)`,
        )
      } else if (targetRank === rank) {
        out.push(
          `${file}: imports ${edge.specifier}: ${area} and ${target} are on the same layer (${rank}) and must not import each other`,
        )
      }
    }
  }
  return out
}

/**
 * The import circles among `files` (type-only imports too): each is a list of files, the first one repeated at
 * the end. One circle per group of files that reach each other.
 */
export function importCircles(files: ReadonlyMap<string, string>): string[][] {
  const graph = new Map<string, string[]>()
  for (const [file, text] of files) {
    graph.set(
      file,
      importsOf(file, text)
        .map((e) => e.to)
        .filter((to) => files.has(to)),
    )
  }
  // Tarjan's strongly connected components
  let index = 0
  const indexOf = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const groups: string[][] = []
  const visit = (v: string): void => {
    indexOf.set(v, index)
    low.set(v, index)
    index++
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!))
    }
    if (low.get(v) === indexOf.get(v)) {
      const group: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        group.push(w)
      } while (w !== v)
      if (group.length > 1 || (graph.get(v) ?? []).includes(v)) groups.push(group)
    }
  }
  for (const v of [...graph.keys()].sort()) if (!indexOf.has(v)) visit(v)
  return groups.map((group) => circleIn(graph, new Set(group)))
}

/** One circle through the first file (sorted) of a group of files that reach each other. */
function circleIn(graph: ReadonlyMap<string, string[]>, group: ReadonlySet<string>): string[] {
  const start = [...group].sort()[0]!
  const previous = new Map<string, string>()
  const queue = [start]
  while (queue.length > 0) {
    const v = queue.shift()!
    for (const w of graph.get(v) ?? []) {
      if (!group.has(w)) continue
      if (w === start) {
        const path = [start]
        for (let u = v; u !== start; u = previous.get(u)!) path.splice(1, 0, u)
        return [...path, start]
      }
      if (!previous.has(w)) {
        previous.set(w, v)
        queue.push(w)
      }
    }
  }
  return [start, start]
}
