import { homedir } from 'node:os'
import { resolve } from 'node:path'
import process from 'node:process'
import { parseArgs } from 'node:util'
import { UsageError } from './cli-errors.ts'
import type { CliIO } from './cli-types.ts'

export const AI_HELP = `Usage: sluice ai <command> [options]

Sets up a coding agent (Claude Code, Cursor, Codex) to work with sluice in this project.
Commands:
  init                     the project rule, the secrets skill, an ignore file for .sluice/secrets.toml and the
                           sluice MCP server entry, in the agent's own files
  toolkit list             the toolkits sluice ships
  toolkit info NAME        a toolkit's skills and rules
  toolkit install NAME     a toolkit's skills (and the toolkits it needs)
  status                   version, agent, installed toolkits, whether the MCP server starts
Options:
  --agent claude|cursor|codex  (default: detected from the environment, the project, then your home folder)
  --overwrite              replace files that were changed since sluice wrote them
  --json                   print the result as JSON

The MCP entry starts \`npx sluice mcp\` when package.json depends on sluice, else \`sluice mcp\` when sluice is
on the PATH, else this sluice by its absolute path. A rerun updates only the files nobody changed
(.sluice/ai-index.json records their hashes).
`

const AGENT_NOTES: Record<string, string> = {
  cursor: 'enable the sluice MCP server for this project in Cursor Settings > MCP',
  codex: 'Codex reads .codex/config.toml of a trusted project; the skills are listed in AGENTS.md',
  claude: 'Claude Code asks once to approve the sluice server from .mcp.json',
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        agent: { type: 'string' },
        overwrite: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; see \`sluice ai --help\``)
  }
}

/** `sluice ai ...`: returns the exit code. */
export async function aiCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args)
  const [command, sub, name] = positionals
  if (values.help || command === undefined) {
    io.stdout.write(AI_HELP)
    return values.help ? 0 : 2
  }
  const ai = await import('@sluice/mcp')
  const print = (value: unknown, text: string) =>
    io.stdout.write(values.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`)

  const install = async (toolkit: string) => {
    if (values.agent !== undefined && !ai.AGENT_NAMES.includes(values.agent as never)) {
      throw new UsageError(`--agent "${values.agent}" is not one of claude, cursor, codex`)
    }
    const agent = (values.agent ??
      (await ai.readIndex(io.cwd))?.agent ??
      (await ai.detectAgent({ cwd: io.cwd, env: io.env, home: io.env.HOME ?? homedir() }))) as never
    const launch = await ai.mcpLaunch({
      cwd: io.cwd,
      env: io.env,
      bin: resolve(process.argv[1] ?? 'sluice'),
      node: process.execPath,
    })
    const actions = await ai.installToolkit(toolkit, {
      cwd: io.cwd,
      agent,
      launch,
      overwrite: values.overwrite,
    })
    const lines = actions.map((a) => `${a.action.padEnd(9)} ${a.path}`)
    if (actions.some((a) => a.action === 'kept')) {
      lines.push('kept files differ from this version: rerun with --overwrite to replace them')
    }
    lines.push(`installed ${toolkit} for ${agent}; MCP server: ${[launch.command, ...launch.args].join(' ')}`)
    if (toolkit === 'init') lines.push(`note: ${AGENT_NOTES[agent]}`)
    print({ agent, toolkit, launch, actions }, lines.join('\n'))
    return 0
  }

  switch (command) {
    case 'init':
      return install('init')
    case 'status': {
      const status = await ai.aiStatus(io.cwd, io.env)
      const lines = [
        `sluice ${status.version}`,
        `agent: ${status.agent ?? '(none: run sluice ai init)'}`,
        `toolkits: ${status.toolkits.map((t) => (t.entry ? `${t.name} (start with ${t.entry})` : t.name)).join(', ') || '(none)'}`,
        status.mcp.starts
          ? `MCP server: starts (${status.mcp.tools} tools)`
          : `MCP server: fails: ${status.mcp.error}`,
        ...status.warnings.map((w) => `warning: ${w}`),
      ]
      print(status, lines.join('\n'))
      return status.mcp.starts ? 0 : 1
    }
    case 'toolkit': {
      if (sub === 'list') {
        const toolkits = await Promise.all((await ai.toolkitNames()).map((n) => ai.loadToolkit(n)))
        print(
          toolkits.map((t) => ({ name: t.name, description: t.description })),
          toolkits.map((t) => `${t.name.padEnd(18)} ${t.description}`).join('\n'),
        )
        return 0
      }
      if (!name || (sub !== 'info' && sub !== 'install')) {
        throw new UsageError(
          'use `sluice ai toolkit list`, `sluice ai toolkit info NAME` or `sluice ai toolkit install NAME`',
        )
      }
      if (sub === 'install') return install(name)
      const t = await ai.loadToolkit(name)
      print(
        t,
        [
          `${t.name}: ${t.description}`,
          ...(t.entry ? [`start with: ${t.entry}`] : []),
          ...(t.dependencies.length ? [`needs: ${t.dependencies.join(', ')}`] : []),
          ...t.rules.map((r) => `rule  ${r.name}: ${r.description}`),
          ...t.skills.map((s) => `skill ${s.name}: ${s.description}`),
        ].join('\n'),
      )
      return 0
    }
    default:
      throw new UsageError(`unknown ai command "${command}": use init, toolkit or status (sluice ai --help)`)
  }
}
