// Child process: serves the simulated Clockodo account with a response cache, so the benchmark measures sluice,
// not the simulator. Options come as JSON in argv[2]; the base URL goes back over IPC.
import { startClockodoMock } from '@sluice/clockodo-mock'

/** Options of the account server process. */
export interface MockProcessOptions {
  users: number
  years: number
  entriesPerWorkday: number
  today: string
  latencyMs?: number
}

const options = JSON.parse(process.argv[2] ?? '{}') as MockProcessOptions
const mock = await startClockodoMock({
  seed: 1,
  today: options.today,
  size: { users: options.users, years: options.years, entriesPerWorkday: options.entriesPerWorkday },
  rateLimits: false,
  cache: true,
  ...(options.latencyMs ? { faults: { latencyMs: options.latencyMs } } : {}),
})
process.send?.({ baseUrl: mock.baseUrl })
const stop = (): void => {
  void mock.close().finally(() => process.exit(0))
}
process.on('disconnect', stop)
process.on('SIGTERM', stop)
