import { readFileSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, it, onTestFinished } from 'vitest'
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

describe('usage mistakes exit with 2 and say what to do', () => {
  async function call(args: string[], cwd = '/') {
    const out = new PassThrough()
    let text = ''
    out.on('data', (d: Buffer) => {
      text += d.toString()
    })
    const cli = { ...io({ SLUICE_PIPELINES_DIR: join(cwd, 'pipelines') }, []), cwd, stdout: out }
    const code = await main(args, cli)
    return { code, stdout: text, stderr: cli.err() }
  }

  it('a misspelled flag gets "did you mean"; an unknown one and a stray argument are refused', async () => {
    const typo = await call(['run', '--destinaton', 'postgres'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain(
      'unknown option --destinaton: did you mean --destination? (see `sluice run --help`)',
    )
    const pipelineTypo = await call(['pipeline', 'info', '--datset', 'x'])
    expect(pipelineTypo.code).toBe(2)
    expect(pipelineTypo.stderr).toContain('did you mean --dataset?')
    const unknown = await call(['run', '--frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown option --frobnicate (see `sluice run --help`)')
    expect((await call(['run', 'users'])).stderr).toContain('unexpected argument "users"')
  })

  it('--resources= is refused instead of loading everything', async () => {
    const r = await call(['run', '--resources='])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--resources is empty')
  })

  it('--destination ./nope.js names the missing file (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-cli-main-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const r = await call(['run', '--destination', './nope.js'], dir)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`the destination module ./nope.js does not exist (${join(dir, 'nope.js')})`)
  })

  it('init --help prints help and writes nothing; init with an unknown flag writes nothing; init writes .gitignore', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-cli-main-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const help = await call(['init', '--help'], dir)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: sluice init/)
    const force = await call(['init', '--force'], dir)
    expect(force.code).toBe(2)
    expect(await readdir(dir)).toEqual([])
    expect((await call(['init'], dir)).code).toBe(0)
    expect(await readFile(join(dir, '.sluice', '.gitignore'), 'utf8')).toMatch(/^secrets\.toml$/m)
  })

  it('--json prints a failure as a JSON error object on stdout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-cli-main-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const r = await call(['run', '--json', '--destination', './nope.js'], dir)
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('the destination module ./nope.js does not exist'),
        hint: expect.stringContaining('give a destination name'),
        exitCode: 2,
      },
    })
    const usage = await call(['run', '--json', '--source', 'nope'])
    expect(JSON.parse(usage.stdout).error).toMatchObject({ code: 'USAGE', exitCode: 2 })
  })

  it('-V prints the version', async () => {
    const r = await call(['-V'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/)
  })
})
