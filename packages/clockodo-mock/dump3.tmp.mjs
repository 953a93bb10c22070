import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

const doc = parse(readFileSync('/work/shared/clockodo/openapi.yaml', 'utf8'))
const S = doc.components.schemas
function sum(s, depth = 0, seen = new Set()) {
  if (!s) return '?'
  if (s.$ref) {
    const n = s.$ref.split('/').pop()
    if (seen.has(n) || depth > 6) return n
    const ns = new Set(seen)
    ns.add(n)
    return n + ':' + sum(S[n], depth + 1, ns)
  }
  if (s.oneOf || s.anyOf)
    return (
      '(' +
      (s.oneOf || s.anyOf).map((x) => sum(x, depth, seen)).join(' | ') +
      ')' +
      (s.discriminator ? '[disc ' + s.discriminator.propertyName + ']' : '')
    )
  if (s.allOf) return 'ALL(' + s.allOf.map((x) => sum(x, depth, seen)).join(' & ') + ')'
  if (s.enum) return 'enum' + JSON.stringify(s.enum)
  if (s.const !== undefined) return 'const ' + JSON.stringify(s.const)
  const t = Array.isArray(s.type) ? s.type.join('|') : s.type
  if (s.properties) {
    const req = new Set(s.required || [])
    return (
      '{' +
      Object.entries(s.properties)
        .map(([k, v]) => k + (req.has(k) ? '' : '?') + ': ' + sum(v, depth + 1, seen))
        .join(', ') +
      '}' +
      (t && t !== 'object' ? '/' + t : '') +
      (s.additionalProperties === false ? '!' : '')
    )
  }
  if (s.items) return t + '<' + sum(s.items, depth + 1, seen) + '>'
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    return 'map<' + sum(s.additionalProperties, depth + 1, seen) + '>'
  return (
    (t ?? 'any') +
    (s.format ? '(' + s.format + ')' : '') +
    (s.minimum !== undefined ? '>=' + s.minimum : '') +
    (s.maximum !== undefined ? '<=' + s.maximum : '')
  )
}
for (const n of process.argv.slice(2)) console.log('##', n, sum({ $ref: '#/components/schemas/' + n }), '\n')
