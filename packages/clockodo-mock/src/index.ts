export {
  type AccountSize,
  type ClockodoAccount,
  type ClockodoAccountOptions,
  createClockodoAccount,
  type EntryRow,
} from './clockodo-account.ts'
export { DEFAULT_CREDENTIALS, type MockFaults, type MockOptions } from './mock-core.ts'
export { clockodoHandlers } from './mock-handlers.ts'
export { type RunningClockodoMock, type StartClockodoMockOptions, startClockodoMock } from './mock-server.ts'
