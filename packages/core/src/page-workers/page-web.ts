import { SluiceError } from '../errors.ts'
import { defaultPageWorkerCount, type PageWorkerPort, type PageWorkers } from './page-types.ts'

/** Options of {@link webPageWorkers}. */
export interface WebPageWorkersOptions {
  /** Workers per run. Default {@link defaultPageWorkerCount} of `navigator.hardwareConcurrency`. */
  size?: number
  /** Workers send the requests of their pages themselves (see `PageWorkers.fetch`). Default true. */
  fetch?: boolean
  /** The worker's module. Default: `web-page-worker` next to this module (`.ts` when run from the sources). */
  entry?: URL
}

/** The Web Worker constructor, as far as page workers use it. */
interface WebWorker {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void
  onmessage: ((event: { data: unknown }) => void) | null
  onerror: ((event: { message?: string; preventDefault?(): void }) => void) | null
  terminate(): void
}
type WebWorkerConstructor = new (url: URL, options: { type: 'module' }) => WebWorker

/**
 * Page workers as Web Workers (the pipeline option `pageWorkers` under Deno, where `nodePageWorkers` is not
 * needed). Throws `CONFIG_INVALID` where the runtime has no module Web Workers (Node.js: use `nodePageWorkers`).
 */
export function webPageWorkers(options: WebPageWorkersOptions = {}): PageWorkers {
  const Worker = (globalThis as { Worker?: WebWorkerConstructor }).Worker
  if (typeof Worker !== 'function') {
    throw new SluiceError('CONFIG_INVALID', 'this runtime has no Web Workers for page workers', {
      hint: 'on Node.js use nodePageWorkers() from @sluice/core/node, or run without page workers',
    })
  }
  const cores =
    (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1
  const size = Math.max(1, Math.floor(options.size ?? defaultPageWorkerCount(cores)))
  const here = import.meta.url
  const entry =
    options.entry ?? new URL(here.endsWith('.ts') ? './web-page-worker.ts' : './web-page-worker.js', here)
  return {
    size,
    fetch: options.fetch ?? true,
    spawn(): PageWorkerPort {
      const worker = new Worker(entry, { type: 'module' })
      let terminated = false
      return {
        post: (message, transfer) => worker.postMessage(message, transfer),
        onMessage: (listener) => {
          worker.onmessage = (event) => listener(event.data)
        },
        onError: (listener) => {
          worker.onerror = (event) => {
            event.preventDefault?.()
            if (!terminated) listener(new Error(event.message ?? 'the page worker failed'))
          }
        },
        terminate: () => {
          terminated = true
          worker.terminate()
          return Promise.resolve()
        },
      }
    },
  }
}
