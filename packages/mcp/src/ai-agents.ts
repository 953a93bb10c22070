// Where each coding agent looks for rules, skills, ignore files and MCP servers, and how to tell which agent
// a project uses.
import { readFile, stat } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { SluiceError } from '@sluice/core'
import type { Doc } from './ai-toolkits.ts'

/** The agents `sluice ai` writes for. */
export type AgentName = 'claude' | 'cursor' | 'codex'

/** The agents, in the order detection prefers them. */
export const AGENT_NAMES: readonly AgentName[] = ['claude', 'codex', 'cursor']

/** How the MCP entry starts sluice. */
export interface McpLaunch {
  command: string
  args: string[]
}

/** One agent's conventions. */
export interface AgentLayout {
  /** A rule file: its path and text. */
  rule(toolkit: string, rule: Doc): { path: string; text: string }
  /** A skill's SKILL.md: its path and text. */
  skill(skill: Doc): { path: string; text: string }
  ignoreFile: string
  mcpFile: string
  /** Codex lists its skills in AGENTS.md. */
  agentsMd: boolean
  /** Environment variables the agent sets in the shells it runs. */
  env: readonly string[]
  /** Files or folders in a project that show the agent is used. */
  projectMarkers: readonly string[]
  /** Folders in the home directory that show the agent is installed. */
  homeMarkers: readonly string[]
}

function frontmatter(fields: Record<string, string | boolean>, body: string): string {
  const lines = Object.entries(fields).map(
    ([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : v}`,
  )
  return `---\n${lines.join('\n')}\n---\n\n${body}`
}

const skillAt = (dir: string) => (skill: Doc) => ({
  path: `${dir}/${skill.name}/SKILL.md`,
  text: frontmatter({ name: skill.name, description: skill.description }, skill.body),
})

/** Each agent's files, in its own conventions. */
export const AGENTS: Readonly<Record<AgentName, AgentLayout>> = {
  claude: {
    rule: (toolkit, rule) => ({
      path: `.claude/rules/${toolkit}-${rule.name}.md`,
      text: frontmatter({ name: rule.name, description: rule.description }, rule.body),
    }),
    skill: skillAt('.claude/skills'),
    ignoreFile: '.claudeignore',
    mcpFile: '.mcp.json',
    agentsMd: false,
    env: ['CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT'],
    projectMarkers: ['.claude', 'CLAUDE.md', '.mcp.json'],
    homeMarkers: ['.claude'],
  },
  cursor: {
    rule: (toolkit, rule) => ({
      path: `.cursor/rules/${toolkit}-${rule.name}.mdc`,
      text: frontmatter({ description: rule.description, alwaysApply: true }, rule.body),
    }),
    skill: skillAt('.cursor/skills'),
    ignoreFile: '.cursorignore',
    mcpFile: '.cursor/mcp.json',
    agentsMd: false,
    env: ['CURSOR_AGENT', 'CURSOR_TRACE_ID'],
    projectMarkers: ['.cursor', '.cursorignore', '.cursorrules'],
    homeMarkers: ['.cursor'],
  },
  codex: {
    rule: (toolkit, rule) => ({
      path: `.agents/skills/${toolkit}-${rule.name}/SKILL.md`,
      text: frontmatter(
        {
          name: `${toolkit}-${rule.name}`,
          description: `ALWAYS read and follow this skill before acting. ${rule.description}`,
        },
        rule.body,
      ),
    }),
    skill: skillAt('.agents/skills'),
    ignoreFile: '.codexignore',
    mcpFile: '.codex/config.toml',
    agentsMd: true,
    env: ['CODEX_SANDBOX', 'CODEX_MANAGED_BY_NPM', 'CODEX_THREAD_ID'],
    projectMarkers: ['.codex', 'AGENTS.md', '.agents'],
    homeMarkers: ['.codex'],
  },
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/**
 * The agent of a project: its environment variables first, then project markers (`.claude/`, `.cursor/`,
 * `AGENTS.md` ...), then home markers (`~/.claude` ...). Several agents on the level that decides, or none at
 * all: `CONFIG_INVALID` asking for `--agent`.
 */
export async function detectAgent(options: {
  cwd: string
  env: Readonly<Record<string, string | undefined>>
  home: string
}): Promise<AgentName> {
  const levels: ((a: AgentLayout) => Promise<boolean>)[] = [
    async (a) => a.env.some((v) => options.env[v]),
    async (a) => (await Promise.all(a.projectMarkers.map((m) => exists(join(options.cwd, m))))).some(Boolean),
    async (a) => (await Promise.all(a.homeMarkers.map((m) => exists(join(options.home, m))))).some(Boolean),
  ]
  const where = ['its environment variables', 'this project', 'your home directory']
  for (const [i, found] of levels.entries()) {
    const hits: AgentName[] = []
    for (const name of AGENT_NAMES) if (await found(AGENTS[name])) hits.push(name)
    if (hits.length === 1) return hits[0]!
    if (hits.length > 1) {
      throw new SluiceError('CONFIG_INVALID', `${hits.join(' and ')} both show up in ${where[i]}`, {
        hint: `choose one with --agent ${hits.join('|')}`,
      })
    }
  }
  throw new SluiceError('CONFIG_INVALID', 'no coding agent found (Claude Code, Cursor or Codex)', {
    hint: 'choose one with --agent claude|cursor|codex',
  })
}

/** What {@link mcpLaunch} looks at. */
export interface LaunchContext {
  cwd: string
  env: Readonly<Record<string, string | undefined>>
  /** The running CLI's script (`process.argv[1]`), absolute. */
  bin: string
  /** The Node.js executable (`process.execPath`). */
  node: string
}

async function isExecutable(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile() && (s.mode & 0o111) !== 0,
    () => false,
  )
}

/**
 * How an agent should start `sluice mcp` in this project: `npx sluice mcp` when the project's package.json
 * depends on `sluice` (the project's own version); else `sluice mcp` when `sluice` is on the PATH; else the
 * running CLI by absolute path (`node /path/to/sluice-bin.js mcp`).
 */
export async function mcpLaunch(ctx: LaunchContext): Promise<McpLaunch> {
  try {
    const pkg = JSON.parse(await readFile(join(ctx.cwd, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >
    if (pkg['dependencies']?.['sluice'] || pkg['devDependencies']?.['sluice']) {
      return { command: 'npx', args: ['sluice', 'mcp'] }
    }
  } catch {
    // no package.json (or not JSON): not a Node.js project
  }
  for (const dir of (ctx.env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    if (await isExecutable(join(dir, 'sluice'))) return { command: 'sluice', args: ['mcp'] }
  }
  return { command: ctx.node, args: [ctx.bin, 'mcp'] }
}
