#!/usr/bin/env node
import process from 'node:process'
import { holdYoungGeneration, limitHeapGrowth } from './cli-heap.ts'
import { main } from './cli-main.ts'

// `sluice pipeline NAME query ... | head`: a reader that stops reading ends the output, not in a crash
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const code = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  onSignal(signal, handler) {
    process.on(signal, handler)
    return () => process.off(signal, handler)
  },
  limitHeapGrowth,
  holdYoungGeneration,
})
// Exit explicitly once the output is flushed: keep-alive sockets and library timers must not hold a finished run open.
const flush = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => stream.write('', () => resolve()))
await Promise.all([flush(process.stdout), flush(process.stderr)])
process.exit(code)
