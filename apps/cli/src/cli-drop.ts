import { createInterface } from 'node:readline/promises'
import type { DropPlan, Pipeline } from '@sluice/core'
import { UsageError } from './cli-errors.ts'
import type { CliIO } from './cli-types.ts'

/** Flags of `sluice pipeline NAME drop`. */
export interface DropFlags {
  /** Resource names, or `re:` and a regular expression. */
  selection: string[]
  /** `--drop-all`: every resource (names are ignored, as in dlt). */
  dropAll: boolean
  /** `--state-only`: reset the resources' state, keep their tables. */
  stateOnly: boolean
  /** `--yes`: do not ask. */
  yes: boolean
  /** `--state-paths a,b.c`: remove only these keys of the resources' state, keep the tables. */
  statePaths?: string
}

/** Lists what the plan removes, one line per schema. */
export function describeDrop(plan: DropPlan, where: string): string {
  const lines = [`about to ${plan.tables.length ? 'drop' : 'reset the state of'} in ${where}:`]
  for (const s of plan.schemas) {
    if (s.resources.length === 0) continue
    lines.push(`  schema ${s.schema}: resources ${s.resources.join(', ')}`)
    if (s.tables.length) lines.push(`    tables (${s.tables.length}): ${s.tables.join(', ')}`)
  }
  lines.push(
    plan.statePaths
      ? `  the keys ${plan.statePaths.join(', ')} of their state; tables are kept`
      : plan.tables.length
        ? '  and the state of these resources (the next run loads them in full)'
        : '  tables are kept (--state-only); the next run loads these resources in full',
  )
  return `${lines.join('\n')}\n`
}

/** Asks on the terminal; true for y or yes. */
async function confirm(io: CliIO, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin!, output: io.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

/**
 * `sluice pipeline NAME drop`: lists what it removes and asks (a terminal is needed unless `--yes`); returns
 * the exit code (1 when the user says no).
 */
export async function dropCommand(p: Pipeline, flags: DropFlags, where: string, io: CliIO): Promise<number> {
  if (!flags.dropAll && flags.selection.length === 0) {
    throw new UsageError(
      'name the resources to drop (or re:PATTERN), or give --drop-all; `sluice pipeline NAME tables` shows them',
    )
  }
  const selection = flags.dropAll ? [] : flags.selection
  const statePaths = flags.statePaths
    ?.split(',')
    .map((p) => p.trim())
    .filter(Boolean)
  if (statePaths?.length === 0)
    throw new UsageError('--state-paths is empty: name keys of the resource state')
  const options = { stateOnly: flags.stateOnly, ...(statePaths ? { statePaths } : {}) }
  const plan = await p.dropPlan(selection, options)
  if (plan.resources.length === 0) {
    io.stdout.write(`pipeline ${p.pipelineName} has no resources: nothing to drop\n`)
    return 0
  }
  io.stdout.write(describeDrop(plan, where))
  if (!flags.yes) {
    if (!io.stdin?.isTTY) {
      throw new UsageError('nothing dropped: without a terminal to ask on, confirm with --yes')
    }
    if (!(await confirm(io, 'proceed? [y/N] '))) {
      io.stdout.write('nothing dropped\n')
      return 1
    }
  }
  const done = await p.drop(selection, options)
  io.stdout.write(
    done.statePaths
      ? `removed ${done.statePaths.join(', ')} from the state of ${done.resources.join(', ')}; tables kept\n`
      : done.tables.length
        ? `dropped ${done.tables.length} table(s) and reset the state of ${done.resources.join(', ')}\n`
        : `reset the state of ${done.resources.join(', ')}; tables kept\n`,
  )
  return 0
}
