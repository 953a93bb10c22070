// The entry of a page worker thread on Node.js (see nodePageWorkers).
import { platform, setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import type { PageRequest } from '../page-workers/page-protocol.ts'
import { createPageWorker } from '../page-workers/page-worker.ts'
import { nodeBodyText } from './node-body-text.ts'
import { nodePageSend } from './node-page-send.ts'
import type { NodePageWorkerData } from './node-page-workers.ts'

const port = parentPort
if (!port) throw new Error('node-page-worker runs as a worker thread (nodePageWorkers starts it)')
const { niceness } = (workerData ?? {}) as Partial<NodePageWorkerData>
// Linux sets the priority of the calling thread alone; elsewhere the call would lower the whole process.
if (niceness && platform() === 'linux') {
  try {
    setPriority(0, niceness)
  } catch {
    // a sandbox may refuse it: the worker runs at the process's priority
  }
}
const worker = createPageWorker(
  (reply, transfer) => port.postMessage(reply, transfer),
  nodePageSend(),
  nodeBodyText,
)
port.on('message', (message: PageRequest) => worker.handle(message))
