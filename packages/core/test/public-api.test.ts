import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The public surface of @sluice/core, subpath by subpath: a new export (or a lost one) changes the snapshot
// below, so it is a visible decision. Values are read from the module itself, types from its export lists
// (entry files list every name; `export *` is refused).
const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { 'sluice-source': string }>
}
const entries = Object.entries(pkg.exports).flatMap(([subpath, target]) =>
  typeof target === 'string' ? [] : [[subpath, target['sluice-source']] as const],
)

/** The names an entry file exports, by kind, from its `export { ... } from` lists. */
function listedNames(source: string): { values: string[]; types: string[]; stars: number } {
  const values: string[] = []
  const types: string[] = []
  for (const m of source.matchAll(/export\s+(type\s+)?\{([^}]*)\}/g)) {
    for (const raw of m[2]!.split(',')) {
      const item = raw.trim()
      if (item === '') continue
      const isType = m[1] !== undefined || item.startsWith('type ')
      const name = item
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .at(-1)!
        .trim()
      ;(isType ? types : values).push(name)
    }
  }
  return {
    values: values.sort(),
    types: types.sort(),
    stars: source.match(/export\s+(type\s+)?\*/g)?.length ?? 0,
  }
}

describe('the public API', () => {
  it('reads names the way the snapshot needs them', () => {
    const listed = listedNames("export { a, type B } from './x.ts'\nexport type { C as D } from './y.ts'\n")
    expect(listed).toEqual({ values: ['a'], types: ['B', 'D'], stars: 0 })
    expect(listedNames("export * from './z.ts'").stars).toBe(1)
  })

  it('lists every name of every subpath on purpose', async () => {
    const surface: Record<string, { values: string[]; types: string[] }> = {}
    for (const [subpath, file] of entries) {
      const listed = listedNames(readFileSync(join(pkgDir, file), 'utf8'))
      expect(listed.stars, `${file} re-exports with export *`).toBe(0)
      const runtime = Object.keys(await import(join(pkgDir, file))).sort()
      expect(runtime, `${file}: the values it lists are the values it exports`).toEqual(listed.values)
      surface[subpath] = { values: listed.values, types: listed.types }
    }
    expect(surface).toMatchInlineSnapshot(`
      {
        ".": {
          "types": [
            "ArrowTable",
            "Auth",
            "AuthConfig",
            "BodyReader",
            "Checksum",
            "Clock",
            "Column",
            "ColumnHint",
            "ColumnHints",
            "Config",
            "ConfigProvider",
            "ConfigTable",
            "ContractMode",
            "CreateAuthOptions",
            "CreateConfigOptions",
            "CustomPaginatorConfig",
            "DataType",
            "Dataset",
            "DatasetOptions",
            "Destination",
            "DestinationFromConfigOptions",
            "DestinationRecord",
            "DropOptions",
            "DropPlan",
            "FailedJob",
            "FileLock",
            "FileSystem",
            "FileWriter",
            "HttpClient",
            "HttpClientOptions",
            "HttpRequest",
            "HttpRequestOptions",
            "HttpResponse",
            "Incremental",
            "IncrementalConfig",
            "IncrementalPlaceholders",
            "IncrementalRun",
            "IncrementalState",
            "IterRowsOptions",
            "JoinOptions",
            "JsonObject",
            "JsonValue",
            "LastValueFunc",
            "LoadInfo",
            "LocalPage",
            "MergeStrategy",
            "PackageInfo",
            "Page",
            "PageInfo",
            "PageParseOptions",
            "PageReader",
            "PageWorkerPort",
            "PageWorkers",
            "PaginateOptions",
            "Paginator",
            "PaginatorConfig",
            "PaginatorFactory",
            "PaginatorSpec",
            "ParsedPage",
            "Pipeline",
            "PipelineEvent",
            "PipelineOptions",
            "PipelineState",
            "ProcessingStep",
            "QueryValue",
            "RateLimitWindow",
            "RateLimiter",
            "RateLimiterOptions",
            "RefreshMode",
            "Relation",
            "RelationColumn",
            "RelationSql",
            "ReplaceRange",
            "ReplaceStrategy",
            "ResolveParam",
            "Resource",
            "ResourceContext",
            "ResourceGroup",
            "ResourceState",
            "ResponseAction",
            "ResponseHook",
            "ResponseVerdict",
            "RestApiSourceConfig",
            "RestClientConfig",
            "RestEndpointConfig",
            "RestIncrementalConfig",
            "RestResourceConfig",
            "RestResourceDefaults",
            "Row",
            "RowCount",
            "RowCountsOptions",
            "RunOptions",
            "RunTrace",
            "Scd2Options",
            "Schema",
            "SchemaChange",
            "SchemaContract",
            "SluiceErrorCode",
            "Source",
            "StopConditions",
            "Table",
            "TablesOptions",
            "TeeOptions",
            "TraceStep",
            "TraceWaits",
            "TupleChunk",
            "WebPageWorkersOptions",
            "WhereOp",
            "WriteDisposition",
            "WriteDispositionConfig",
          ],
          "values": [
            "AutoPaginator",
            "CursorPaginator",
            "ERROR_CODES",
            "HeaderCursorPaginator",
            "HeaderLinkPaginator",
            "HttpError",
            "JsonLinkPaginator",
            "OffsetPaginator",
            "PageNumberPaginator",
            "SinglePagePaginator",
            "SluiceError",
            "createAuth",
            "createConfig",
            "createHttpClient",
            "createPaginator",
            "createRateLimiter",
            "dataset",
            "defaultPageWorkerCount",
            "defineResource",
            "defineSource",
            "destinationFromConfig",
            "envName",
            "envProvider",
            "incremental",
            "isHttpError",
            "isSluiceError",
            "pageReaderHere",
            "pageRows",
            "paginate",
            "pipeline",
            "recordProvider",
            "redact",
            "registerPaginator",
            "restApiSource",
            "systemClock",
            "tableProvider",
            "teePages",
            "webPageWorkers",
          ],
        },
        "./destination": {
          "types": [
            "AzureBlobLocation",
            "BulkLoad",
            "Column",
            "ColumnHint",
            "ConfigKey",
            "ConfigSection",
            "CsvColumn",
            "DataType",
            "Destination",
            "DestinationCapabilities",
            "DestinationClient",
            "DestinationConfigContext",
            "DestinationContext",
            "DestinationPackage",
            "FileFormat",
            "JobFile",
            "JobFileFormat",
            "JobWriter",
            "JobWriterOptions",
            "LibpqDriverError",
            "LibpqFields",
            "LibpqProfile",
            "LibpqSettings",
            "LoadJob",
            "LoadJobResult",
            "MergeStrategy",
            "NormalizedRow",
            "PackageLoad",
            "PipelineEvent",
            "PublishByRename",
            "ReaderChunk",
            "ReaderColumn",
            "ReaderContext",
            "ReaderDialect",
            "ReaderQueryOptions",
            "ReplaceRange",
            "ReplaceStrategy",
            "Scd2Options",
            "Schema",
            "SchemaChange",
            "SluiceErrorCode",
            "SqlClient",
            "SqlColumnRef",
            "SqlDestinationOptions",
            "SqlDialect",
            "SqlExecutor",
            "SqlReader",
            "Stage",
            "StageCredentials",
            "StagedFile",
            "StagedLoad",
            "StoredSchema",
            "StoredState",
            "Table",
            "TableLoad",
            "TextCleaning",
            "ValueLimits",
            "WriteDisposition",
          ],
          "values": [
            "DATA_TYPES",
            "ERROR_CODES",
            "LIBPQ_SSL_MODES",
            "LIBPQ_TRANSIENT_ERRNO",
            "LIBPQ_TRANSIENT_STATES",
            "SluiceError",
            "azureBlobLocation",
            "createJobWriter",
            "isSluiceError",
            "libpqErrno",
            "libpqInvalid",
            "libpqLocation",
            "libpqSqlState",
            "parseLibpqCredentials",
            "redact",
            "sqlDestination",
          ],
        },
        "./node": {
          "types": [
            "LoadConfigOptions",
            "LoadDestinationOptions",
            "ModuleImporter",
            "NodePageWorkersOptions",
            "NodePipelineOptions",
            "OpenPipelineOptions",
            "PipelineSummary",
            "RecordedDestinationOptions",
            "ResolveDestinationOptions",
          ],
          "values": [
            "DESTINATION_PACKAGES",
            "defaultPipelinesDir",
            "listPipelines",
            "loadConfig",
            "loadDestinationPackage",
            "nodeFileSystem",
            "nodePageWorkers",
            "openPipeline",
            "parseCsvRecord",
            "pipeline",
            "pipelineSummaries",
            "readCsvHeader",
            "recordedDestination",
            "resolveDestination",
          ],
        },
        "./testing": {
          "types": [
            "ManualClock",
            "NormalizedPage",
            "Normalizer",
            "NormalizerOptions",
            "ResourceTableSpec",
            "ValueLimits",
            "ValueNote",
            "ValueNoteKind",
          ],
          "values": [
            "createManualClock",
            "createNormalizer",
            "csvField",
            "newLoadId",
          ],
        },
      }
    `)
  })
})
