import { describe, expect, it } from 'vitest'
import { backfillBoundSeconds, backfillFigures } from './bench-backfill.ts'

describe('backfill under the rate limits (simulated, limits / 20)', () => {
  it('the auto plan ends within 10% of the bound the limits allow; enhanced lists only take far longer', async () => {
    // 261,000 entries = 261 pages: under the limits / 20 (45/min, 112/15 min, 225/h; 15 enhanced pages per 15
    // min) the bound is one hour, and enhanced lists only need 17 intervals of 15 minutes
    const f = await backfillFigures({ users: 50, years: 1, entriesPerWorkday: 20 }, 20)
    expect(f.entries).toBe(261_000)
    expect(f.boundSeconds).toBe(3600)
    expect(f.rejected).toBe(0)
    expect(f.autoSeconds).toBeGreaterThanOrEqual(f.boundSeconds)
    expect(f.autoSeconds).toBeLessThanOrEqual(f.boundSeconds * 1.1)
    expect(f.alwaysSeconds).toBeGreaterThan(f.boundSeconds * 3)
    // the newest windows still came with enhanced lists
    expect(f.autoEnhancedPages).toBeGreaterThan(0)
    expect(f.autoPlainPages).toBeGreaterThan(0)
  }, 120_000)

  it('computes the bound from the page count and the budgets', () => {
    expect(backfillBoundSeconds(900_000)).toBe(0)
    expect(backfillBoundSeconds(901_000)).toBe(60)
    expect(backfillBoundSeconds(2_251_000)).toBe(15 * 60)
    expect(backfillBoundSeconds(5_000_000)).toBe(3600)
  })
})
