import { type ParseArgsConfig, parseArgs } from 'node:util'
import { UsageError } from './cli-errors.ts'

/** The option definitions `parseArgs` takes. */
export type FlagOptions = NonNullable<ParseArgsConfig['options']>

/** Edit distance of two short strings (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    row = next
  }
  return row[b.length]!
}

/** The known flag closest to `flag` (`--destinaton` → `--destination`), if one is close enough. */
export function closestFlag(flag: string, options: FlagOptions): string | undefined {
  const name = flag.replace(/^-+/, '').split('=')[0]!
  let best: { name: string; d: number } | undefined
  for (const known of Object.keys(options)) {
    const d = distance(name, known)
    if (d <= Math.max(1, Math.floor(known.length / 4)) && (!best || d < best.d)) best = { name: known, d }
  }
  return best && `--${best.name}`
}

/**
 * `parseArgs` (strict) whose mistakes are usage errors (exit 2) that say what to do: a misspelled flag gets
 * "did you mean", every message names the command's help.
 */
export function parseFlags<T extends FlagOptions>(
  args: string[],
  options: T,
  command: string,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals })
  } catch (error) {
    const message = (error as Error).message
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1]
    if (unknown) {
      const near = closestFlag(unknown, options)
      throw new UsageError(
        `unknown option ${unknown}${near ? `: did you mean ${near}?` : ''} (see \`sluice ${command} --help\`)`,
      )
    }
    const positional = /^Unexpected argument '([^']*)'/.exec(message)?.[1]
    if (positional !== undefined) {
      throw new UsageError(`unexpected argument "${positional}" (see \`sluice ${command} --help\`)`)
    }
    throw new UsageError(`${message}; see \`sluice ${command} --help\``)
  }
}
