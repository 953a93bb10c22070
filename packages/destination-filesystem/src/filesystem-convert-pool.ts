import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { SluiceErrorCode, Table } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { writeCsv, writeParquet } from './filesystem-convert.ts'

/** A conversion of a jsonl job file to parquet or csv, done by a worker thread. */
export interface ConversionTask {
  id: number
  kind: 'parquet' | 'csv'
  input: string
  output: string
  table: Table
  gzip: boolean
}

/** A worker's answer: the rows written, or the error (a `SluiceError`'s code, hint and transient flag kept). */
export type ConversionReply =
  | { id: number; rows: number }
  | { id: number; error: { message: string; code?: SluiceErrorCode; hint?: string; transient?: boolean } }

interface Slot {
  worker: Worker
  busy: number
}

const WORKER_FILE = fileURLToPath(new URL('./filesystem-convert-worker.js', import.meta.url))

/**
 * Converts job files on worker threads, up to one per CPU core (at most 4) at once, so a load's conversions use
 * every core instead of the main thread alone (1M Clockodo entries to parquet: the conversion is JavaScript,
 * about 16 s of one core). Workers start on first use and do not keep the process alive while idle. Where no
 * worker can run (the package's TypeScript sources, a runtime without worker threads) conversions run on the
 * calling thread.
 */
export class ConversionPool {
  readonly size: number
  private readonly slots: Slot[] = []
  private readonly pending = new Map<
    number,
    { task: ConversionTask; resolve(rows: number): void; reject(e: Error): void; slot: Slot }
  >()
  private nextId = 1
  private disabled = !existsSync(WORKER_FILE)
  /** Conversions done by workers (for tests and traces). */
  workerConversions = 0

  /** `size` workers at most; 0 converts on the calling thread. */
  constructor(size: number = defaultConversionThreads()) {
    this.size = size
    if (size < 1) this.disabled = true
  }

  /** Converts `input` (jsonl) to `output`; returns the rows written. */
  convert(
    kind: ConversionTask['kind'],
    input: string,
    output: string,
    table: Table,
    gzip = false,
  ): Promise<number> {
    const task: ConversionTask = { id: this.nextId++, kind, input, output, table, gzip }
    const slot = this.disabled ? undefined : this.slot()
    if (!slot) return inThread(task)
    return new Promise<number>((resolve, reject) => {
      this.pending.set(task.id, { task, resolve, reject, slot })
      if (slot.busy++ === 0) slot.worker.ref()
      slot.worker.postMessage(task)
    })
  }

  /** Stops the workers (pending conversions fail). */
  async close(): Promise<void> {
    const slots = this.slots.splice(0)
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }

  /** The least busy worker, starting one while fewer than `size` run; undefined when workers cannot start. */
  private slot(): Slot | undefined {
    const idle = this.slots.find((s) => s.busy === 0)
    if (idle) return idle
    if (this.slots.length < this.size) {
      try {
        return this.start()
      } catch {
        this.disabled = true
        return this.slots[0]
      }
    }
    return this.slots.reduce((a, b) => (b.busy < a.busy ? b : a))
  }

  private start(): Slot {
    const worker = new Worker(WORKER_FILE)
    worker.unref()
    const slot: Slot = { worker, busy: 0 }
    worker.on('message', (reply: ConversionReply) => this.settle(slot, reply))
    worker.on('error', (error) => this.fail(slot, error))
    worker.on('exit', (code) => this.fail(slot, new Error(`the conversion worker exited with code ${code}`)))
    this.slots.push(slot)
    return slot
  }

  private settle(slot: Slot, reply: ConversionReply): void {
    const task = this.pending.get(reply.id)
    if (!task) return
    this.pending.delete(reply.id)
    if (--slot.busy === 0) slot.worker.unref()
    if ('rows' in reply) {
      this.workerConversions++
      task.resolve(reply.rows)
      return
    }
    const { message, code, hint, transient } = reply.error
    if (code === undefined) {
      task.reject(new Error(message))
      return
    }
    const bare = hint && message.endsWith(`: ${hint}`) ? message.slice(0, -hint.length - 2) : message
    task.reject(new SluiceError(code, bare, { ...(hint ? { hint } : {}), transient: transient ?? false }))
  }

  /**
   * A worker died: its conversions fail, and it is replaced on next use. When no worker ever finished a
   * conversion (the runtime cannot run them), workers are turned off and the conversions run on this thread.
   */
  private fail(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot)
    if (index >= 0) this.slots.splice(index, 1)
    const fallBack = this.workerConversions === 0
    if (fallBack) this.disabled = true
    for (const [id, pending] of this.pending) {
      if (pending.slot !== slot) continue
      this.pending.delete(id)
      if (fallBack) {
        inThread(pending.task).then(pending.resolve, pending.reject)
        continue
      }
      pending.reject(
        new SluiceError('FILESYSTEM_CONVERT', `[filesystem] converting a job file failed: ${error.message}`, {
          cause: error,
          hint: 'run again to retry; if it repeats, the job file may be too large for the worker thread',
        }),
      )
    }
  }
}

function inThread(task: ConversionTask): Promise<number> {
  return task.kind === 'parquet'
    ? writeParquet(task.input, task.output, task.table)
    : writeCsv(task.input, task.output, task.table, task.gzip)
}

const pools = new Map<number, ConversionPool>()

/** The number of conversion workers by default: one per CPU core, at most 4. */
export function defaultConversionThreads(): number {
  return Math.min(4, availableParallelism())
}

/** The process's conversion pool with `threads` workers (0: conversions on the calling thread). */
export function conversionPool(threads: number = defaultConversionThreads()): ConversionPool {
  let pool = pools.get(threads)
  if (!pool) {
    pool = new ConversionPool(threads)
    pools.set(threads, pool)
  }
  return pool
}
