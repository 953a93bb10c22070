import { describe, expect, it } from 'vitest'
import { copyPage } from './bench-common.ts'
import { benchResult, cpuCeiling, fasterOf, formatTable, mergeResults } from './bench-report.ts'

describe('benchResult', () => {
  it('computes rows per second and rounds seconds and the ratio', () => {
    const r = benchResult('e2e', { rows: 1000, seconds: 0.5004, peakRssMb: 120 }, 0.61234)
    expect(r).toEqual({
      scenario: 'e2e',
      rows: 1000,
      seconds: 0.5,
      rowsPerSecond: 1998,
      ratioToFloor: 0.612,
      peakRssMb: 120,
    })
  })

  it('carries the CPU seconds of the run and of the account server when measured', () => {
    const r = benchResult(
      'e2e',
      { rows: 10, seconds: 1, peakRssMb: 1, extra: { cpuSeconds: 1.5, serverCpuSeconds: 0.25, pages: 3 } },
      1,
    )
    expect(r.cpuSeconds).toBe(1.5)
    expect(r.serverCpuSeconds).toBe(0.25)
    expect(formatTable([r]).split('\n')[2]).toMatch(/\|\s+1\.5$/)
    expect(benchResult('x', { rows: 1, seconds: 1, peakRssMb: 1 }, null)).not.toHaveProperty('cpuSeconds')
  })

  it('keeps a missing floor as null and reports 0 rows/s for a run that did not happen', () => {
    const r = benchResult('pg', { rows: 0, seconds: 0, peakRssMb: 0 }, null, 'not run')
    expect(r.ratioToFloor).toBeNull()
    expect(r.rowsPerSecond).toBe(0)
    expect(r.note).toBe('not run')
  })
})

describe('formatTable', () => {
  it('aligns columns and lists notes', () => {
    const text = formatTable([
      benchResult('a', { rows: 1_000_000, seconds: 10, peakRssMb: 200 }, 1),
      benchResult('longer name', { rows: 5, seconds: 1, peakRssMb: 90 }, null, 'small'),
    ])
    const lines = text.split('\n')
    expect(lines[0]).toMatch(/^scenario\s+\| +rows \| seconds/)
    expect(lines[2]).toContain('1,000,000')
    expect(lines[2]).toContain('100,000')
    expect(lines[3]).toMatch(/\|\s+-\s+\|/)
    expect(lines[2]!.indexOf('|')).toBe(lines[3]!.indexOf('|'))
    expect(text).toContain('longer name: small')
  })
})

describe('mergeResults', () => {
  it('replaces lines of the same scenario in place, keeps the others and appends new ones', () => {
    const line = (scenario: string, seconds: number) =>
      benchResult(scenario, { rows: 1, seconds, peakRssMb: 1 }, null)
    const merged = mergeResults([line('a', 1), line('b', 1), line('c', 1)], [line('b', 2), line('d', 2)])
    expect(merged.map((r) => [r.scenario, r.seconds])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 1],
      ['d', 2],
    ])
  })
})

describe('copyPage', () => {
  it('copies rows with consecutive fresh ids and leaves the template alone', () => {
    const template = [
      { id: 7, a: 1 },
      { id: 8, a: 2 },
    ]
    const page = copyPage(template, 100) as { id: number; a: number }[]
    expect(page.map((r) => r.id)).toEqual([100, 101])
    expect(page.map((r) => r.a)).toEqual([1, 2])
    expect(template[0]!.id).toBe(7)
  })
})

describe('fasterOf', () => {
  it('picks the run that took the least time, the first of equals', () => {
    const a = { name: 'a', seconds: 5 }
    const b = { name: 'b', seconds: 4.2 }
    const c = { name: 'c', seconds: 4.2 }
    expect(fasterOf([a, b, c])).toBe(b)
    expect(fasterOf([a])).toBe(a)
    expect(() => fasterOf([])).toThrow('at least one run')
  })
})

describe('cpuCeiling', () => {
  it("spreads the run's CPU over the cores and compares it with the floor's seconds", () => {
    // 4 CPU seconds on 2 cores take at least 2 s: against a 1.4 s floor, at most 0.7
    expect(cpuCeiling(1.4, 4, 2)).toBeCloseTo(0.7, 10)
    expect(cpuCeiling(1.4, 4, 4)).toBeCloseTo(1.4, 10)
    expect(cpuCeiling(1, 2.5, 1)).toBeCloseTo(0.4, 10)
  })

  it('is undefined without a CPU figure or a core', () => {
    expect(cpuCeiling(1.4, 0, 2)).toBeUndefined()
    expect(cpuCeiling(1.4, Number.NaN, 2)).toBeUndefined()
    expect(cpuCeiling(1.4, 4, 0)).toBeUndefined()
  })
})
