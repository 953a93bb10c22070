export { type CliIO, main } from './cli-main.ts'
export { DESTINATIONS, resolveDestination } from './cli-destinations.ts'
export { type ConfigProvider, envName, loadConfig } from './cli-config.ts'
