/**
 * Every code a {@link SluiceError} of a sluice package carries, with what it means. A package that needs a new
 * code adds it here (codes are part of the public API: users match on them with `isSluiceError(error, code)`).
 */
export const ERROR_CODES = {
  // configuration and setup
  CONFIG_INVALID: 'an option or setting has a value that cannot be used',
  CONFIG_MISSING: 'a required setting is not set',
  DEPENDENCY_MISSING: 'an optional package a feature needs is not installed',
  // HTTP
  HTTP_STATUS: 'an HTTP request failed with an error status',
  HTTP_NETWORK: 'an HTTP request failed before a response (connection refused, reset, DNS)',
  HTTP_TIMEOUT: 'an HTTP request took longer than its timeout',
  HTTP_DECODE: 'a response body is not valid JSON',
  HTTP_PARSE: 'reading or parsing a response body failed',
  HTTP_AUTH: 'getting credentials for a request failed (e.g. the OAuth2 token endpoint)',
  HTTP_TOO_LARGE: "a response body is larger than the client's maxResponseBytes (compressed or decoded)",
  HTTP_REDIRECT: 'a redirect cannot be followed (more hops than maxRedirects, or not to an http(s) URL)',
  HTTP_ENCODING: 'a response body is not valid UTF-8 and the run is strict',
  HTTP_RESPONSE_RETRIED:
    'a 2xx response kept carrying an error its response actions retry, until the attempts ran out',
  HTTP_RESPONSE_HOOK:
    'a response hook threw, returned something other than a Response, "retry", "ignore" or nothing, or a body that is not JSON',
  PAGINATION_FIELD_MISSING: "a response lacks the total or has-more field the paginator's config names",
  PAGINATION_LIMIT: 'a paginated list went on for more pages than maxPages',
  // sources and resources
  AUTH_FAILED: 'the API rejected the credentials',
  RESOURCE_FORBIDDEN: 'the credentials may not read a resource',
  RESOURCE_NOT_FOUND: 'the API has no such resource for this account',
  RESOURCE_SKIPPED: 'a resource was skipped and the run is strict',
  RESOURCE_UNKNOWN: 'a resource name the source does not have',
  ROUTE_RETIRED: 'the API retired a route the source uses',
  INCREMENTAL_CURSOR_MISSING: 'a row has no value at the incremental cursor path',
  CLOCKODO_UNEXPECTED_RESPONSE: 'Clockodo answered with something that is not its API',
  // schema and normalization
  SCHEMA_FROZEN: 'data would change a table, column or data type that the schema contract freezes',
  PRIMARY_KEY_MISSING: 'a row of a merge table has no value for its primary key',
  // the pipeline and its local files
  PIPELINE_LOCKED: 'another run of the same pipeline holds its lock',
  RUN_ABORTED: 'the run was cancelled (signal) or its page workers were stopped',
  PAGE_WORKER_FAILED: 'a page worker failed or stopped',
  PACKAGE_CORRUPT: 'a load package on disk misses a file it needs, or one of its files cannot be read',
  PIPELINE_FILES:
    'a local file of the pipeline (state, schema, trace, lock, load package) cannot be read or written (not valid JSON, not writable, disk full)',
  STATE_CORRUPT: 'the pipeline state or schema stored in the destination cannot be read',
  STATE_NOT_FOUND: 'the destination holds no state of the pipeline',
  LOAD_JOB_FAILED: 'a load job failed terminally (its package is aborted)',
  LOAD_ROWS_MISMATCH: 'the destination took another number of rows than the job file holds (the job fails)',
  LOAD_RETRIES_EXHAUSTED: 'a load kept failing with transient errors after every retry (its package is kept)',
  DROP_UNSUPPORTED: 'the destination cannot drop tables',
  // destinations
  DESTINATION_CONNECT: 'the destination cannot be reached',
  DESTINATION_AUTH: 'the destination rejected the credentials',
  DESTINATION_PERMISSION: 'the destination user lacks a privilege',
  DESTINATION_DATABASE_MISSING: 'the database (or project, catalog) does not exist',
  DESTINATION_DRIVER_MISSING: "the destination's driver package is not installed",
  DESTINATION_LOCKED: 'the destination (e.g. a database file) is locked by another process',
  DESTINATION_QUERY: 'a statement failed in the destination',
  READ_ONLY: 'a query through a read-only reader tried to write, or held more than one statement',
  QUERY_FAILED: 'the destination refused a read-only query (its message says why)',
  DESTINATION_TRANSIENT:
    'the destination failed in a way that a retry may fix (serialization, lost connection)',
  DESTINATION_DATA:
    'the destination rejected the data of a job (type, constraint, or a file that does not fit)',
  DESTINATION_LOAD: 'loading a job file into the destination failed',
  DESTINATION_FATAL: 'the destination is in a state it cannot continue from (e.g. an invalidated database)',
  DESTINATION_FORMAT: 'the destination cannot load the job file format it was given',
  DESTINATION_IDENTIFIER: 'a name cannot be used as an identifier in the destination',
  DESTINATION_MIGRATE: 'reading or changing the tables of the dataset failed',
  DESTINATION_UNSUPPORTED: 'the destination does not offer what a table asks for (e.g. merge)',
  // reading a dataset (pipeline.dataset(), sluice pipeline NAME query)
  PIPELINE_UNKNOWN: 'no pipeline of that name in the pipelines directory',
  READER_MISSING: 'the destination offers no read-only reader, so its data cannot be queried through sluice',
  TABLE_UNKNOWN: 'the dataset has no table of that name',
  COLUMN_UNKNOWN: 'the table has no column of that name',
  QUERY_INVALID: 'a relation was built with an operator, value or join that does not fit its tables',
  // the filesystem destination
  FILESYSTEM_IO: 'reading or writing a local file failed',
  FILESYSTEM_S3: 'an S3 request failed',
  FILESYSTEM_AZURE: 'an Azure Blob Storage request failed',
  FILESYSTEM_GCS: 'a Google Cloud Storage request failed',
  FILESYSTEM_CORRUPT: 'a file the destination keeps (state, schema, loads) cannot be read',
  FILESYSTEM_UNSAFE_PATH: 'a file key would leave the bucket folder',
  FILESYSTEM_BAD_JOB: 'a job file is not valid',
  FILESYSTEM_BAD_VALUE: 'a value of a job file does not fit its column',
  FILESYSTEM_UNKNOWN_COLUMN: 'a job file has a column its table does not have',
  FILESYSTEM_JOB_FORMAT: 'a job file cannot be converted to the chosen format',
  FILESYSTEM_CONVERT: 'converting a job file on a worker thread failed',
} as const

/** A {@link SluiceError}'s code: one of {@link ERROR_CODES}. */
export type SluiceErrorCode = keyof typeof ERROR_CODES
