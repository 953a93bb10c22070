#!/usr/bin/env node
import { MOCK_USAGE, parseMockArgs } from './mock-cli.ts'
import { startClockodoMock } from './mock-server.ts'

const options = parseMockArgs(process.argv.slice(2))
if (options === 'help') {
  process.stdout.write(MOCK_USAGE)
  process.exit(0)
}
if ('error' in options) {
  process.stderr.write(`clockodo-mock: ${options.error}\n${MOCK_USAGE}`)
  process.exit(2)
}

const mock = await startClockodoMock(options)
process.stdout.write(mock.baseUrl + '\n')
const stop = (): void => {
  void mock.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
