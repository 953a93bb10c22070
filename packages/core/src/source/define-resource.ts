import { SluiceError } from '../errors.ts'
import type { Resource, Source } from './source-types.ts'
import { writeDispositionProblem } from './write-disposition.ts'

function checkName(kind: string, name: unknown): void {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new SluiceError('CONFIG_INVALID', `${kind} name must be a non-empty string`, {
      hint: `give the ${kind} a name such as "entries"`,
    })
  }
}

function checkKey(where: string, key: unknown): void {
  if (key === undefined) return
  const list = typeof key === 'string' ? [key] : key
  if (!Array.isArray(list) || list.length === 0 || list.some((k) => typeof k !== 'string' || k === '')) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `${where} must be a column name or a non-empty list of column names`,
    )
  }
}

/**
 * Declares a resource with typed rows. Validates the name, keys, write disposition and that `read` is a
 * function; returns the definition unchanged. `read` MUST yield arrays (pages) and honour `ctx.signal`.
 */
export function defineResource<Row extends object>(def: Resource<Row>): Resource<Row> {
  checkName('resource', def?.name)
  const where = `resource "${def.name}"`
  if (typeof def.read !== 'function') {
    throw new SluiceError(
      'CONFIG_INVALID',
      `${where}: read must be a function returning an async iterable of pages`,
    )
  }
  checkKey(`${where}: primaryKey`, def.primaryKey)
  checkKey(`${where}: mergeKey`, def.mergeKey)
  const wrong = writeDispositionProblem(def)
  if (wrong) {
    throw new SluiceError('CONFIG_INVALID', `${where}: writeDisposition ${wrong.problem}`, {
      ...(wrong.hint ? { hint: wrong.hint } : {}),
    })
  }
  if (def.tableName !== undefined) checkName(`${where}: table`, def.tableName)
  if (def.group !== undefined) checkName(`${where}: group`, def.group)
  return def
}

/** Declares a source. Validates its name and that resource names are unique; returns it unchanged. */
export function defineSource(def: Source): Source {
  checkName('source', def?.name)
  if (!Array.isArray(def.resources)) {
    throw new SluiceError('CONFIG_INVALID', `source "${def.name}": resources must be a list`)
  }
  const seen = new Set<string>()
  for (const r of def.resources) {
    defineResource(r)
    if (seen.has(r.name)) {
      throw new SluiceError('CONFIG_INVALID', `source "${def.name}": resource name "${r.name}" is used twice`)
    }
    seen.add(r.name)
  }
  return def
}
