import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { SluiceError } from '../errors.ts'
import { defaultPageWorkerCount, type PageWorkerPort, type PageWorkers } from '../page-workers/page-types.ts'

/** Options of {@link nodePageWorkers}. */
export interface NodePageWorkersOptions {
  /**
   * Worker threads per run. Default {@link defaultPageWorkerCount} of the cores Node.js may use
   * (`os.availableParallelism()`): one per core but one, at least 1, at most 4.
   */
  size?: number
  /**
   * The worker's entry module. Default: `node-page-worker.js` next to this module (under a TypeScript runner such
   * as vitest, the built one in `dist/node`).
   */
  entry?: URL
  /** Workers send the requests of their pages themselves (see `PageWorkers.fetch`). Default true. */
  fetch?: boolean
  /**
   * Each worker's young generation (V8 `maxYoungGenerationSizeMb`). Default 4: a page of the compiled flat shapes
   * is written straight from its body (fix 43 in apps/bench/README.md) and leaves little in the heap, so scavenges
   * come seldom and the socket's read buffers of the bodies (memory outside the heap, freed by a scavenge) pile up:
   * 5M Clockodo entries into DuckDB peaked at 342-347 MB with 8, at 318-322 MB with 4. Pages that are parsed (rows
   * of other shapes, nested rows) leave more garbage: those took 306-310 MB at 8, 337 MB at 4 (fix 38: 8 was as
   * fast as 16 with 20-35 MB less when every page was parsed).
   */
  youngGenerationMb?: number
  /**
   * Each worker's old generation at most (V8 `maxOldGenerationSizeMb`), the lower-memory choice. Default V8's
   * own (a worker inherits the process's maximum, about 4 GB on a machine with 16 GB or more). V8 lets the old
   * generation grow to a multiple of what a full garbage collection left alive, and that multiple depends on this
   * maximum: up to 4 from 2 GB on, 1.6 at 1 GB, 1.3 at 256 MB or less. A worker keeps 12-15 MB alive and its
   * pages' rows that outlive a scavenge end up in the old generation as garbage: 1M Clockodo entries into DuckDB
   * took each worker's heap up to 60-69 MB at V8's maximum and to 43 MB at 1024, and the peak RSS from 385-403 MB
   * to 345-357 MB (with the 48MB DuckDB load limit), but at 3-5 times the full collections and about 8% more CPU
   * time (apps/bench/README.md, "Memory at 5M entries"). A worker whose heap reaches the maximum fails the run with
   * an out-of-memory error.
   */
  maxOldGenerationMb?: number
  /**
   * Start the worker threads at once, not when a run first needs them: they load their modules while the run
   * opens the destination and reads its state (on 2 cores the first request went out about 0.3 s sooner). They
   * do not keep the process alive until a run takes them. Default false.
   */
  prestart?: boolean
  /**
   * The worker threads' nice value on Linux (0-19, higher is lower priority; other systems ignore it, since there
   * it would lower the whole process). Default 5: when the cores are busy, the pipeline's thread and the
   * destination's own threads (DuckDB's loads, which run one after the other while the pages come) go first and
   * the workers take what is left; they read pages faster than the floor, so they can spare it. 1M Clockodo
   * entries into DuckDB on 2 cores: 0.72-0.74 of the fetch + parse floor at 9.0-9.3 CPU s, against 0.68-0.71 at
   * 9.3-9.5 CPU s with 0; 5M peaked 10-15 MB higher (fix 39 in apps/bench/README.md). 0 keeps the process's
   * priority. On a machine busy with other work the workers get less of the CPU than at 0.
   */
  niceness?: number
}

/** What a page worker thread is started with (its `workerData`). */
export interface NodePageWorkerData {
  /** See {@link NodePageWorkersOptions.niceness}. */
  niceness: number
}

/** Page workers on Node.js `worker_threads` (the pipeline option `pageWorkers`). */
export function nodePageWorkers(options: NodePageWorkersOptions = {}): PageWorkers {
  const size = Math.max(1, Math.floor(options.size ?? defaultPageWorkerCount(availableParallelism())))
  const entry = options.entry ?? defaultEntry()
  const resourceLimits = {
    maxYoungGenerationSizeMb: options.youngGenerationMb ?? 4,
    ...(options.maxOldGenerationMb !== undefined
      ? { maxOldGenerationSizeMb: options.maxOldGenerationMb }
      : {}),
  }
  const niceness = options.niceness ?? 5
  if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `nodePageWorkers: niceness ${niceness} is not a whole number from 0 to 19`,
      {
        hint: 'give 0 (the process priority) to 19 (the lowest); default 5',
      },
    )
  }
  const workerData: NodePageWorkerData = { niceness }
  const start = (): Worker => new Worker(entry, { resourceLimits, workerData })
  const started: Worker[] = []
  if (options.prestart) {
    for (let i = 0; i < size; i++) {
      const worker = start()
      worker.unref()
      // a worker that fails or exits before a run takes it is left out (a run starts a new one); its error must
      // not crash the process
      const drop = (): void => {
        const at = started.indexOf(worker)
        if (at >= 0) started.splice(at, 1)
      }
      worker.once('error', drop)
      worker.once('exit', drop)
      started.push(worker)
    }
  }
  return {
    size,
    fetch: options.fetch ?? true,
    spawn(): PageWorkerPort {
      const worker = started.shift() ?? start()
      worker.ref()
      let terminated = false
      return {
        post: (message, transfer) => worker.postMessage(message, transfer),
        onMessage: (listener) => worker.on('message', listener),
        onError: (listener) => {
          worker.on('error', listener)
          worker.on('exit', (code) => {
            if (!terminated) listener(new Error(`the worker thread exited with code ${code}`))
          })
        },
        terminate: () => {
          terminated = true
          return worker.terminate()
        },
      }
    },
  }
}

function defaultEntry(): URL {
  const here = import.meta.url
  if (here.endsWith('.ts')) return new URL('../../dist/node/node-page-worker.js', here)
  return new URL('./node-page-worker.js', here)
}
