// The entry of a page worker as a Web Worker (Deno; see webPageWorkers). Not part of the package's index: it runs
// on its own, in the worker.
import type { PageRequest } from './page-protocol.ts'
import { createPageWorker } from './page-worker.ts'

interface WorkerScope {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void
  onmessage: ((event: { data: unknown }) => void) | null
}

const scope = globalThis as unknown as WorkerScope
const worker = createPageWorker((reply, transfer) => scope.postMessage(reply, transfer))
scope.onmessage = (event) => worker.handle(event.data as PageRequest)
