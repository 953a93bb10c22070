export { type CsvColumn, csvField } from '../job-files/csv-encoder.ts'
export type { JobFileFormat } from '../job-files/encoded-rows.ts'
export type * from './file-system.ts'
export {
  createJobWriter,
  DEFAULT_FILE_MAX_BYTES,
  type JobFile,
  type JobWriter,
  type JobWriterOptions,
} from './job-writer.ts'
export { compareLoadIds, newLoadId } from './load-id.ts'
export { LoadPackageStore } from './load-package-store.ts'
export type * from './package-types.ts'
export { compressState, decompressState, sha256Hex } from './state-compression.ts'
