export { type ConfigProvider, envName, loadConfig } from './cli-config.ts'
export { DESTINATIONS, resolveDestination } from './cli-destinations.ts'
export { type CliIO, main } from './cli-main.ts'
export { DEMO_ACCOUNT } from './cli-sources.ts'
