import { readFileSync } from 'node:fs'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { parse } from 'yaml'

const SPEC_PATH = new URL('./fixtures/clockodo-openapi.yaml', import.meta.url)

type Json = Record<string, unknown>

const escapePointer = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1')

function loadSpec(): Json {
  const doc = parse(readFileSync(SPEC_PATH, 'utf8')) as Json
  const schemas = (doc.components as Json).schemas as Record<string, Json>
  // Spec defect: a retainer-subproject report item also satisfies ProjectsReportProjectReportItemV4 (no
  // additionalProperties: false), so `oneOf` can never accept it. Relaxed to `anyOf`, the smallest change that works.
  const report = schemas.ProjectsReportReportItemV4!
  report.anyOf = report.oneOf
  delete report.oneOf
  return doc
}

const spec = loadSpec()
type Plugin = (ajv: Ajv2020) => Ajv2020
const formatsModule = addFormatsModule as unknown as Plugin & { default?: Plugin }
const addFormats: Plugin = formatsModule.default ?? formatsModule
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true })
addFormats(ajv)
for (const f of ['int64', 'int32', 'float', 'double', 'csv-string']) ajv.addFormat(f, true)
ajv.addSchema(spec, 'openapi')

const cache = new Map<string, ValidateFunction>()

/** A validator for a response body of `GET path` with `status`, resolved from the OpenAPI document by $ref. */
export function responseValidator(path: string, status: number): ValidateFunction {
  const key = `${path} ${status}`
  let v = cache.get(key)
  if (!v) {
    const paths = spec.paths as Record<string, Json>
    const op = (paths[path]?.get ?? undefined) as Json | undefined
    if (!op) throw new Error(`no GET ${path} in the spec`)
    const response = (op.responses as Json)[String(status)] as Json | undefined
    if (!response) throw new Error(`no ${status} response for GET ${path} in the spec`)
    const ref = response.$ref
      ? `openapi${response.$ref as string}`
      : `openapi#/paths/${escapePointer(path)}/get/responses/${status}/content/application~1json/schema`
    v = ajv.compile({ $ref: ref })
    cache.set(key, v)
  }
  return v
}

/** A validator for a component schema (e.g. 'GeneralErrors'). */
export function componentValidator(name: string): ValidateFunction {
  return ajv.compile({ $ref: `openapi#/components/schemas/${name}` })
}

/** Validates and returns ajv's errors as text (empty string when valid). */
export function check(v: ValidateFunction, body: unknown): string {
  return v(body) ? '' : ajv.errorsText(v.errors, { separator: '\n' }).slice(0, 2000)
}
