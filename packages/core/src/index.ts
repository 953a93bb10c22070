// @sluice/core: for people who write pipelines and sources. Every name is listed on purpose (see
// test/public-api.test.ts); destination authors import from @sluice/core/destination, tests from
// @sluice/core/testing, and Node.js/Deno code the file system, the pipeline with defaults and page workers from
// @sluice/core/node.

// configuration (dlt's lookup over providers; loadConfig in @sluice/core/node reads them)
export {
  type Config,
  type ConfigProvider,
  type ConfigTable,
  type CreateConfigOptions,
  createConfig,
  envName,
  envProvider,
  tableProvider,
} from './config/config-resolve.ts'
// reading what was loaded
export { dataset } from './dataset/dataset.ts'
export type {
  ArrowTable,
  Dataset,
  DatasetOptions,
  IterRowsOptions,
  JoinOptions,
  Relation,
  RelationColumn,
  RelationSql,
  Row,
  RowCount,
  RowCountsOptions,
  TablesOptions,
  TupleChunk,
  WhereOp,
} from './dataset/dataset-types.ts'
export {
  type DestinationFromConfigOptions,
  destinationFromConfig,
  recordProvider,
} from './destination/destination-resolve.ts'
export type { Destination } from './destination/index.ts'
// errors
export { ERROR_CODES, type SluiceErrorCode } from './error-codes.ts'
export { isSluiceError, redact, SluiceError } from './errors.ts'

// the pipeline
export type { PipelineEvent } from './events.ts'
export { type CreateAuthOptions, createAuth } from './http/http-auth.ts'
// HTTP: the client, auth, rate limits, paginators
export { createHttpClient } from './http/http-client.ts'
export { systemClock } from './http/http-clock.ts'
export { HttpError, isHttpError } from './http/http-error.ts'
export type {
  Auth,
  AuthConfig,
  BodyReader,
  Clock,
  HttpClient,
  HttpClientOptions,
  HttpRequest,
  HttpRequestOptions,
  HttpResponse,
  QueryValue,
  RateLimiter,
  RateLimitWindow,
  ResponseHook,
  ResponseVerdict,
} from './http/http-types.ts'
export { type Page, type PaginateOptions, paginate } from './http/paginate.ts'
export { AutoPaginator } from './http/paginators/auto-paginator.ts'
export { createPaginator, registerPaginator } from './http/paginators/create-paginator.ts'
export {
  CursorPaginator,
  HeaderCursorPaginator,
  HeaderLinkPaginator,
  JsonLinkPaginator,
  SinglePagePaginator,
} from './http/paginators/link-paginators.ts'
export { OffsetPaginator } from './http/paginators/offset-paginator.ts'
export { PageNumberPaginator } from './http/paginators/page-number-paginator.ts'
export type {
  CustomPaginatorConfig,
  PageInfo,
  Paginator,
  PaginatorConfig,
  PaginatorFactory,
  PaginatorSpec,
  StopConditions,
} from './http/paginators/paginator-types.ts'
export { createRateLimiter, type RateLimiterOptions } from './http/rate-limiter.ts'
export type { JsonObject, JsonValue } from './json.ts'
// reading pages (here or on page workers)
export { type LocalPage, pageReaderHere, pageRows } from './page-workers/page-parse.ts'
export type {
  PageParseOptions,
  PageReader,
  PageWorkerPort,
  PageWorkers,
  ParsedPage,
} from './page-workers/page-types.ts'
export { defaultPageWorkerCount } from './page-workers/page-types.ts'
export { type WebPageWorkersOptions, webPageWorkers } from './page-workers/page-web.ts'
export { pipeline } from './pipeline/pipeline-runner.ts'
export type {
  DropOptions,
  DropPlan,
  FailedJob,
  LoadInfo,
  PackageInfo,
  Pipeline,
  PipelineOptions,
  RunOptions,
} from './pipeline/pipeline-types.ts'
// schema
export type {
  Column,
  ColumnHint,
  ColumnHints,
  ContractMode,
  DataType,
  MergeStrategy,
  ReplaceRange,
  ReplaceStrategy,
  Scd2Options,
  Schema,
  SchemaChange,
  SchemaContract,
  Table,
  WriteDisposition,
} from './schema/schema-types.ts'
// sources and resources
export { defineResource, defineSource } from './source/define-resource.ts'
export {
  type Incremental,
  type IncrementalConfig,
  type IncrementalPlaceholders,
  type IncrementalRun,
  type IncrementalState,
  incremental,
  type LastValueFunc,
} from './source/incremental-cursor.ts'
export { type TeeOptions, teePages } from './source/page-tee.ts'
export { restApiSource } from './source/rest-api-source.ts'
export type {
  ProcessingStep,
  ResolveParam,
  ResponseAction,
  RestApiSourceConfig,
  RestClientConfig,
  RestEndpointConfig,
  RestIncrementalConfig,
  RestResourceConfig,
  RestResourceDefaults,
} from './source/rest-api-types.ts'
export type {
  Resource,
  ResourceContext,
  ResourceGroup,
  Source,
  WriteDispositionConfig,
} from './source/source-types.ts'
export type { Checksum } from './storage/checksum.ts'
export type { FileLock, FileSystem, FileWriter } from './storage/file-system.ts'
export type {
  DestinationRecord,
  PipelineState,
  RefreshMode,
  ResourceState,
  RunTrace,
  TraceStep,
  TraceWaits,
} from './storage/package-types.ts'
