#!/usr/bin/env node
import process from 'node:process'
import { main } from './cli-main.ts'

const code = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  onSignal(signal, handler) {
    process.on(signal, handler)
    return () => process.off(signal, handler)
  },
})
process.exitCode = code
