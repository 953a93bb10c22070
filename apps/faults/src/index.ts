export {
  duckdbChecksums,
  filesystemChecksums,
  postgresChecksums,
  postgresQuery,
  type TableChecksums,
} from './faults-checksum.ts'
export {
  type CliResult,
  type RunCliOptions,
  readAllFiles,
  runCli,
  SLUICE_BIN,
  stableText,
  tempDir,
} from './faults-cli.ts'
export {
  type FrontHandler,
  type FrontServer,
  type SeenRequest,
  startFrontServer,
} from './faults-front.ts'
export { type PostgresServerInfo, startPostgres, stopPostgres } from './faults-postgres.ts'
export { type CountingProxy, startCountingProxy } from './faults-proxy.ts'
export { seededRandom } from './faults-random.ts'
