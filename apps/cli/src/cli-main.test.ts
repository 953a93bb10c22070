import { readFileSync } from 'node:fs'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { HEAP_GROWTH_ENV } from './cli-heap.ts'
import { main } from './cli-main.ts'
import type { CliIO } from './cli-types.ts'

function io(env: Record<string, string>, calls: number[]): CliIO & { err: () => string } {
  const stderr = new PassThrough()
  let err = ''
  stderr.on('data', (d: Buffer) => {
    err += d.toString()
  })
  return {
    cwd: '/',
    env,
    stdout: new PassThrough(),
    stderr,
    onSignal: () => () => {},
    limitHeapGrowth: (percent) => {
      calls.push(percent)
    },
    holdYoungGeneration: () => {
      calls.push(-1)
    },
    err: () => err,
  }
}

describe('the heap growth of the sluice process (SLUICE_HEAP_GROWTH_PERCENT)', () => {
  it('run sets it (100 unless page workers run or it is off), holds the young generation with page workers; a bad value is a configuration error (exit 2)', async () => {
    const calls: number[] = []
    // an unknown source stops the run right after the heap is set
    const run = (env: Record<string, string>, workers: string) =>
      main(['run', '--source', 'nope', '--page-workers', workers], io(env, calls))
    expect(await run({}, '0')).toBe(2)
    expect(await run({}, '2')).toBe(2)
    expect(await run({ [HEAP_GROWTH_ENV]: '50' }, '2')).toBe(2)
    expect(await run({ [HEAP_GROWTH_ENV]: 'off' }, '0')).toBe(2)
    expect(await main(['help'], io({}, calls))).toBe(0)
    // -1: the young generation held small, only with page workers
    expect(calls).toEqual([100, -1, 50, -1])
    const bad = io({ [HEAP_GROWTH_ENV]: 'lots' }, calls)
    expect(await main(['help'], bad)).toBe(2)
    expect(bad.err()).toContain('SLUICE_HEAP_GROWTH_PERCENT="lots" is not a whole percent')
    expect(calls).toEqual([100, -1, 50, -1])
  })
})

describe('sluice --version', () => {
  it('prints the version of the package.json the CLI is installed with', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    for (const flag of ['--version', '-v']) {
      const out = new PassThrough()
      const cli = { ...io({}, []), stdout: out }
      expect(await main([flag], cli)).toBe(0)
      expect(String(out.read())).toBe(`${version}\n`)
    }
    expect(version).toMatch(/^\d+\.\d+\.\d+/)
  })
})
