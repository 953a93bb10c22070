// The entry of a page worker thread on Node.js (see nodePageWorkers).
import { parentPort } from 'node:worker_threads'
import type { PageRequest } from '../page-workers/page-protocol.ts'
import { createPageWorker } from '../page-workers/page-worker.ts'
import { nodeBodyText } from './node-body-text.ts'
import { nodePageSend } from './node-page-send.ts'

const port = parentPort
if (!port) throw new Error('node-page-worker runs as a worker thread (nodePageWorkers starts it)')
const worker = createPageWorker(
  (reply, transfer) => port.postMessage(reply, transfer),
  nodePageSend(),
  nodeBodyText,
)
port.on('message', (message: PageRequest) => worker.handle(message))
