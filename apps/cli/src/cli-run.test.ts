import { SluiceError } from '@sluice/core'
import { describe, expect, test } from 'vitest'
import { exitCodeFor, UsageError } from './cli-errors.ts'
import { autoPageWorkers, devSuffix, fileMaxBytesOf, parseRunFlags, refreshOf } from './cli-run.ts'
import type { RunFlags } from './cli-types.ts'

describe('parseRunFlags', () => {
  test('defaults (the destination and dataset: the recorded ones, else duckdb and clockodo_data, see targetOf)', () => {
    const flags = parseRunFlags([])
    expect(flags).not.toHaveProperty('destination')
    expect(flags).not.toHaveProperty('dataset')
    expect(flags).toMatchObject({
      source: 'clockodo',
      pipelineName: 'clockodo_pipeline',
      fullRefresh: false,
      demo: false,
      progress: 'auto',
      json: false,
    })
  })

  test('parses every flag', () => {
    const flags = parseRunFlags([
      '--destination',
      'postgres',
      '--resources',
      'entries, users',
      '--since',
      '2024-01-01',
      '--until',
      '2024-02-01',
      '--lookback-days',
      '7',
      '--full-refresh',
      '--progress',
      'log',
      '--json',
      '--strict',
      '--page-workers',
      '3',
    ])
    expect(flags).toMatchObject({
      destination: 'postgres',
      resources: ['entries', 'users'],
      since: '2024-01-01',
      until: '2024-02-01',
      lookbackDays: 7,
      fullRefresh: true,
      progress: 'log',
      json: true,
      strict: true,
      pageWorkers: 3,
    })
  })

  test('--demo loads into a pipeline of its own unless named', () => {
    expect(parseRunFlags(['--demo'])).toMatchObject({ demo: true, pipelineName: 'clockodo_demo' })
    expect(parseRunFlags(['--demo'])).not.toHaveProperty('dataset')
    expect(parseRunFlags(['--demo', '--pipeline-name', 'mine'])).toMatchObject({ pipelineName: 'mine' })
  })

  test('refresh: --full-refresh with --resources drops only those; --refresh MODE; --dev-mode starts fresh', () => {
    const of = (args: string[]) => refreshOf(parseRunFlags(args) as RunFlags)
    expect(of([])).toBeUndefined()
    expect(of(['--full-refresh'])).toBe('drop_sources')
    expect(of(['--full-refresh', '--resources', 'users'])).toBe('drop_resources')
    expect(of(['--refresh', 'drop_data', '--resources', 'users'])).toBe('drop_data')
    expect(of(['--dev-mode'])).toBe('drop_sources')
    expect(() => parseRunFlags(['--refresh', 'all'])).toThrow(
      /not one of drop_sources, drop_resources, drop_data/,
    )
    expect(() => parseRunFlags(['--refresh', 'drop_data', '--full-refresh'])).toThrow(/not both/)
    expect(devSuffix(new Date('2026-12-06T06:30:12.345Z'))).toBe('20261206_063012')
  })

  test('page workers: auto is one per core but one, at most 4, none on one core', () => {
    expect([1, 2, 3, 4, 5, 8].map((cores) => autoPageWorkers(cores))).toEqual([0, 1, 2, 3, 4, 4])
    expect(parseRunFlags(['--page-workers', '0'])).toMatchObject({ pageWorkers: 0 })
    expect(parseRunFlags([])).toMatchObject({ pageWorkers: autoPageWorkers() })
    // the demo's simulated account runs on the main thread
    expect(parseRunFlags(['--demo'])).toMatchObject({ pageWorkers: 0 })
    expect(parseRunFlags(['--demo', '--page-workers', '2'])).toMatchObject({ pageWorkers: 2 })
  })

  test.each([
    [['--since', '2024-13-45'], /--since "2024-13-45" is not a date: use YYYY-MM-DD/],
    [['--since', 'yesterday'], /is not a date/],
    [['--since', '2024-02-01', '--until', '2024-01-01'], /must be before --until/],
    [['--lookback-days=-3'], /whole number of days/],
    [['--lookback-days', 'ten'], /whole number of days/],
    [['--progress', 'fancy'], /not one of auto, bar, log, none/],
    [['--page-workers', 'many'], /--page-workers "many" must be auto or a whole number from 0 to 64/],
    [['--page-workers=-1'], /must be auto or a whole number/],
    [['--dataset', 'my-data'], /may contain only letters, digits and _/],
    [['--bogus'], /unknown option --bogus \(see `sluice run --help`\)/],
  ])('rejects %j with an actionable message and exit code 2', (args, message) => {
    let caught: unknown
    try {
      parseRunFlags(args)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(UsageError)
    expect((caught as Error).message).toMatch(message)
    expect(exitCodeFor(caught)).toBe(2)
  })

  test('load failures exit 1', () => {
    expect(exitCodeFor(new Error('boom'))).toBe(1)
  })

  test('an unknown --resources name is a usage error (exit 2)', () => {
    expect(exitCodeFor(new SluiceError('RESOURCE_UNKNOWN', 'source clockodo has no resource invoices'))).toBe(
      2,
    )
  })
})

describe('fileMaxBytesOf', () => {
  const config = (values: Record<string, unknown>) => ({
    get: (path: string) => values[path],
    whereToSet: (path: string) => `${path.toUpperCase().replaceAll('.', '__')} in the environment`,
  })

  test('reads [normalize.data_writer] first, then [data_writer]; numbers from the environment too', () => {
    expect(fileMaxBytesOf(config({}))).toBeUndefined()
    expect(fileMaxBytesOf(config({ 'data_writer.file_max_bytes': ' 1048576 ' }))).toBe(1048576)
    expect(
      fileMaxBytesOf(
        config({ 'normalize.data_writer.file_max_bytes': 4096, 'data_writer.file_max_bytes': '1048576' }),
      ),
    ).toBe(4096)
  })

  test('refuses a size that is not a whole number of bytes from 1 on, naming where it was set', () => {
    for (const bad of ['8MB', '0', '-5', '1.5', true]) {
      const caught = (() => {
        try {
          fileMaxBytesOf(config({ 'data_writer.file_max_bytes': bad }))
        } catch (e) {
          return e
        }
      })()
      expect(caught).toBeInstanceOf(UsageError)
      expect((caught as Error).message).toContain('data_writer.file_max_bytes is')
      expect((caught as Error).message).toContain('DATA_WRITER__FILE_MAX_BYTES')
    }
  })
})
