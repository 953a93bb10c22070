// The account and the node:http server; the msw handlers are in `@sluice/clockodo-mock/msw` (msw is an optional
// peer dependency, so a production install such as the CLI's `--demo` does not pull it in).
export {
  type AccountSize,
  type ClockodoAccount,
  type ClockodoAccountOptions,
  createClockodoAccount,
  type EntryRow,
} from './clockodo-account.ts'
export { DEFAULT_CREDENTIALS, type MockFaults, type MockOptions } from './mock-core.ts'
export { clockodoFetch } from './mock-fetch.ts'
export { CLOCKODO_RATE_LIMITS, type RateLimits } from './mock-rate-limit.ts'
export { type RunningClockodoMock, type StartClockodoMockOptions, startClockodoMock } from './mock-server.ts'
