export type { EncodedRows } from '../job-files/encoded-rows.ts'
export {
  isParsedPage,
  LocalPage,
  type PageBody,
  pageReaderHere,
  pageRows,
  parsePageHere,
  readPageBody,
} from './page-parse.ts'
export { isRemotePage, PagePool, RemotePage } from './page-pool.ts'
export type * from './page-protocol.ts'
export type * from './page-types.ts'
export { type WebPageWorkersOptions, webPageWorkers } from './page-web.ts'
export { createPageWorker, fetchSend, type PageSend } from './page-worker.ts'
