// Worker thread: converts jsonl job files to parquet or csv off the main thread (see filesystem-convert-pool.ts).
import { parentPort } from 'node:worker_threads'
import { isSluiceError } from '@sluice/core/destination'
import { writeCsv, writeParquet } from './filesystem-convert.ts'
import type { ConversionReply, ConversionTask } from './filesystem-convert-pool.ts'

parentPort?.on('message', (task: ConversionTask) => {
  const work =
    task.kind === 'parquet'
      ? writeParquet(task.input, task.output, task.table)
      : writeCsv(task.input, task.output, task.table, task.gzip)
  work.then(
    (rows) => parentPort?.postMessage({ id: task.id, rows } satisfies ConversionReply),
    (error: unknown) => {
      const reply: ConversionReply = {
        id: task.id,
        error: {
          message: error instanceof Error ? error.message : String(error),
          ...(isSluiceError(error)
            ? { code: error.code, transient: error.transient, ...(error.hint ? { hint: error.hint } : {}) }
            : {}),
        },
      }
      parentPort?.postMessage(reply)
    },
  )
})
