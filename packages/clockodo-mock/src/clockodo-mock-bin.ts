#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { startClockodoMock } from './mock-server.ts'

const { values } = parseArgs({
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

if (values.help) {
  process.stdout.write(
    'clockodo-mock --port N --seed N --users N --years N [--entries-per-day N] [--today YYYY-MM-DD] [--no-rate-limits]\n' +
      'Serves a simulated Clockodo account; prints the base URL first. Credentials: demo@sluice.dev / demo-api-key-0000\n',
  )
  process.exit(0)
}

const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v))
const mock = await startClockodoMock({
  port: num(values.port),
  host: values.host,
  seed: num(values.seed),
  today: values.today,
  size: {
    users: num(values.users),
    years: num(values.years),
    entriesPerWorkday: num(values['entries-per-day']),
  },
  rateLimits: !values['no-rate-limits'],
})
process.stdout.write(mock.baseUrl + '\n')
const stop = (): void => {
  void mock.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
