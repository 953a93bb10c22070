import type { Destination } from '@sluice/core/destination'
import { afterEach, describe, it } from 'vitest'
import { Harness } from './testkit-harness.ts'
import type { DestinationUnderTest, TestDestinationOptions } from './testkit-types.ts'

/** Why a destination cannot run a suite's tests (printed), or undefined when it can. */
export type SuiteNeed = (destination: Destination) => string | undefined

/** Registers one test of a suite; `fn` gets a harness on a fresh dataset, closed after the test. */
export type SuiteTest = (title: string, fn: (h: Harness) => Promise<void>) => void

/** Registers a suite: a `describe` block whose tests each get a fresh harness. */
export type RegisterSuite = (name: string, need: SuiteNeed | undefined, body: (t: SuiteTest) => void) => void

/**
 * The suite registrar of one destination under test: every test gets its own harness (closed after it); a suite
 * listed in `options.skip` is skipped as a whole, a test whose need is unmet is skipped alone, each with the
 * reason printed.
 */
export function suiteRegistrar(d: DestinationUnderTest, options: TestDestinationOptions): RegisterSuite {
  const open: Harness[] = []
  afterEach(async () => {
    for (const h of open.splice(0)) await h.close()
  })
  const harness = async (suite: string): Promise<Harness> => {
    const h = new Harness(d, suite)
    open.push(h)
    return h.open()
  }
  return (name, need, body) => {
    if (options.skip?.includes(name)) {
      const reason = options.skipReason ?? "skipped by the destination's test file"
      console.info(`[testkit] ${d.name}: suite "${name}" skipped: ${reason}`)
      describe.skip(`${d.name}: ${name} (skipped: ${reason})`, () => {
        it('skipped', () => {})
      })
      return
    }
    describe(`${d.name}: ${name}`, () => {
      body((title, fn) => {
        it(title, async (ctx) => {
          const h = await harness(name)
          const missing = need?.(h.destination)
          if (missing) {
            console.info(
              `[testkit] ${d.name}: "${name} / ${title}" skipped: the destination lacks ${missing}`,
            )
            ctx.skip()
            return
          }
          await fn(h)
        })
      })
    })
  }
}
