import { homedir } from 'node:os'

/** The default pipelines directory: `~/.sluice/pipelines` (with `/` separators). */
export function defaultPipelinesDir(): string {
  return `${homedir().replace(/\\/g, '/')}/.sluice/pipelines`
}
