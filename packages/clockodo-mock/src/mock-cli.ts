import { parseArgs } from 'node:util'
import type { StartClockodoMockOptions } from './mock-server.ts'

/** The usage line of the `clockodo-mock` command. */
export const MOCK_USAGE: string =
  'Usage: clockodo-mock [--port N] [--host H] [--seed N] [--users N] [--years N] [--entries-per-day N] [--today YYYY-MM-DD] [--no-rate-limits]\n' +
  'Serves a simulated Clockodo account; prints the base URL first. Credentials: demo@sluice.dev / demo-api-key-0000\n'

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string', default: '1' },
      users: { type: 'string' },
      years: { type: 'string' },
      'entries-per-day': { type: 'string' },
      today: { type: 'string' },
      'no-rate-limits': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
}

/**
 * Parses the `clockodo-mock` arguments: the server options, `'help'`, or an error message (an unknown flag, a
 * value that is not a number) to print with the usage.
 */
export function parseMockArgs(args: string[]): StartClockodoMockOptions | 'help' | { error: string } {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(args)
  } catch (error) {
    return { error: (error as Error).message }
  }
  const values = parsed.values
  if (values.help) return 'help'
  const numbers: Record<string, number | undefined> = {}
  for (const flag of ['port', 'seed', 'users', 'years', 'entries-per-day'] as const) {
    const v = values[flag]
    if (v === undefined) continue
    const n = Number(v)
    if (v.trim() === '' || !Number.isInteger(n) || n < 0)
      return { error: `--${flag} "${v}" is not a whole number` }
    numbers[flag] = n
  }
  return {
    port: numbers.port,
    host: values.host,
    seed: numbers.seed,
    ...(values.today !== undefined ? { today: values.today } : {}),
    size: { users: numbers.users, years: numbers.years, entriesPerWorkday: numbers['entries-per-day'] },
    rateLimits: !values['no-rate-limits'],
  }
}
