// Installs toolkits for an agent: rules and skills as files, merged into the agent's MCP config, ignore file
// and AGENTS.md; an index with hashes (.sluice/ai-index.json) lets a rerun update only files nobody changed.
import { createHash } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { parse } from 'smol-toml'
import { AGENTS, type AgentName, type McpLaunch } from './ai-agents.ts'
import { loadToolkit, type Toolkit } from './ai-toolkits.ts'
import { writeAtomic } from './mcp-secrets.ts'

/** Where the index of installed files lives, relative to the project. */
export const AI_INDEX = '.sluice/ai-index.json'

/** The name of sluice's entry in MCP configs. */
export const MCP_SERVER_NAME = 'sluice'

/** What the index records. */
export interface AiIndex {
  agent: AgentName
  toolkits: Record<string, { installedAt: string }>
  /** sha256 of each file as sluice last wrote it, by path. */
  files: Record<string, string>
}

/** What happened to one file. */
export interface FileAction {
  path: string
  /** `kept`: it differs from what sluice would write and sluice did not write it as it is (or `--overwrite` was not given). */
  action: 'created' | 'updated' | 'merged' | 'unchanged' | 'kept'
}

/** Options of {@link installToolkit}. */
export interface InstallOptions {
  cwd: string
  agent: AgentName
  /** How the agent starts the MCP server. */
  launch: McpLaunch
  /** Replace files (and sluice's MCP entry) that were changed since sluice wrote them. Default false. */
  overwrite?: boolean
  /** The time recorded for newly installed toolkits. Default now. */
  now?: Date
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex')

async function readText(cwd: string, path: string): Promise<string | undefined> {
  try {
    return await readFile(join(cwd, path), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Reads the index, if any. */
export async function readIndex(cwd: string): Promise<AiIndex | undefined> {
  const text = await readText(cwd, AI_INDEX)
  return text ? (JSON.parse(text) as AiIndex) : undefined
}

class Writer {
  readonly actions: FileAction[] = []
  constructor(
    private readonly cwd: string,
    readonly index: AiIndex,
    private readonly overwrite: boolean,
  ) {}

  private async write(path: string, text: string): Promise<void> {
    await mkdir(dirname(join(this.cwd, path)), { recursive: true })
    await writeAtomic(join(this.cwd, path), text)
    this.index.files[path] = sha(text)
  }

  /** A file sluice owns: replaced only while nobody changed it (or with overwrite). */
  async file(path: string, text: string): Promise<void> {
    const current = await readText(this.cwd, path)
    if (current === text) {
      this.index.files[path] = sha(text)
      this.actions.push({ path, action: 'unchanged' })
    } else if (current === undefined) {
      await this.write(path, text)
      this.actions.push({ path, action: 'created' })
    } else if (this.overwrite || this.index.files[path] === sha(current)) {
      await this.write(path, text)
      this.actions.push({ path, action: 'updated' })
    } else {
      this.actions.push({ path, action: 'kept' })
    }
  }

  /** A file shared with the user: `merge` returns the new text (or `kept` to leave it), keeping their parts. */
  async merged(path: string, merge: (current: string | undefined) => string | 'kept'): Promise<void> {
    const current = await readText(this.cwd, path)
    const next = merge(current)
    if (next === 'kept') this.actions.push({ path, action: 'kept' })
    else if (next === current) this.actions.push({ path, action: 'unchanged' })
    else {
      await this.write(path, next)
      this.actions.push({ path, action: current === undefined ? 'created' : 'merged' })
    }
  }
}

const IGNORED = ['.sluice/secrets.toml', '*.secrets.toml']

function mergeIgnore(current: string | undefined): string {
  const lines = (current ?? '').split('\n').map((l) => l.trim())
  const missing = IGNORED.filter((l) => !lines.includes(l))
  if (missing.length === 0) return current ?? ''
  const head = current ? `${current.replace(/\n*$/, '')}\n\n` : ''
  return `${head}# sluice: secrets stay out of the agent's reach\n${missing.join('\n')}\n`
}

function mergeJsonMcp(
  current: string | undefined,
  entry: Record<string, unknown>,
  overwrite: boolean,
  path: string,
) {
  const config = current ? (JSON.parse(current) as { mcpServers?: Record<string, unknown> }) : {}
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new Error(`${path} is not a JSON object`)
  const servers = { ...(config.mcpServers ?? {}) }
  const existing = servers[MCP_SERVER_NAME]
  if (existing !== undefined && !overwrite) {
    return JSON.stringify(existing) === JSON.stringify(entry) ? (current as string) : 'kept'
  }
  servers[MCP_SERVER_NAME] = entry
  return `${JSON.stringify({ ...config, mcpServers: servers }, null, 2)}\n`
}

function mergeTomlMcp(current: string | undefined, launch: McpLaunch, overwrite: boolean): string | 'kept' {
  const block = `[mcp_servers.${MCP_SERVER_NAME}]\ncommand = ${JSON.stringify(launch.command)}\nargs = ${JSON.stringify(launch.args)}\n`
  const text = current ?? ''
  const parsed = text ? (parse(text) as { mcp_servers?: Record<string, unknown> }) : {}
  const existing = parsed.mcp_servers?.[MCP_SERVER_NAME]
  if (existing === undefined) return text ? `${text.replace(/\n*$/, '')}\n\n${block}` : block
  const same = JSON.stringify(existing) === JSON.stringify({ command: launch.command, args: launch.args })
  if (same) return text
  if (!overwrite) return 'kept'
  // replace the table's lines, up to the next table header
  const lines = text.split('\n')
  const start = lines.findIndex((l) => l.trim() === `[mcp_servers.${MCP_SERVER_NAME}]`)
  if (start < 0) throw new Error(`cannot find [mcp_servers.${MCP_SERVER_NAME}] as a table header`)
  let end = start + 1
  while (end < lines.length && !/^\s*\[/.test(lines[end]!)) end++
  const rest = lines.slice(end).join('\n')
  return `${lines.slice(0, start).join('\n')}${start > 0 ? '\n' : ''}${block}${rest ? `\n${rest}` : ''}`
}

const AGENTS_SECTION = '## sluice skills'

function mergeAgentsMd(current: string | undefined, skills: { name: string; description: string }[]): string {
  const text = current ?? ''
  const line = (s: { name: string; description: string }) => `- \`${s.name}\`: ${s.description}`
  const missing = skills.filter((s) => !text.includes(`- \`${s.name}\``))
  if (missing.length === 0) return text
  const lines = text.split('\n')
  const at = lines.findIndex((l) => l.trim() === AGENTS_SECTION)
  if (at < 0) {
    const section = `${AGENTS_SECTION}\n\nRead and follow these skills (in .agents/skills/) for any work with sluice in this project:\n${missing.map(line).join('\n')}\n`
    return text ? `${text.replace(/\n*$/, '')}\n\n${section}` : section
  }
  let end = at + 1
  while (end < lines.length && !/^#{1,2} /.test(lines[end]!)) end++
  while (end > at + 1 && lines[end - 1]!.trim() === '') end--
  return [...lines.slice(0, end), ...missing.map(line), ...lines.slice(end)].join('\n')
}

/** The toolkit and every toolkit it depends on that the index does not list yet, dependencies first. */
async function withDependencies(name: string, index: AiIndex, out: Toolkit[] = []): Promise<Toolkit[]> {
  const toolkit = await loadToolkit(name)
  for (const dep of toolkit.dependencies) {
    if (!index.toolkits[dep] && !out.some((t) => t.name === dep)) await withDependencies(dep, index, out)
  }
  if (!out.some((t) => t.name === name)) out.push(toolkit)
  return out
}

/**
 * Installs a toolkit (and the toolkits it depends on that are not installed yet) for an agent. The `init`
 * toolkit also writes the ignore file and the MCP server entry. Idempotent: a rerun changes nothing.
 */
export async function installToolkit(name: string, options: InstallOptions): Promise<FileAction[]> {
  const { cwd, agent } = options
  const layout = AGENTS[agent]
  const previous = await readIndex(cwd)
  const index: AiIndex =
    previous?.agent === agent ? previous : { agent, toolkits: {}, files: previous?.files ?? {} }
  const w = new Writer(cwd, index, options.overwrite ?? false)
  for (const toolkit of await withDependencies(name, index)) {
    for (const rule of toolkit.rules) {
      const { path, text } = layout.rule(toolkit.name, rule)
      await w.file(path, text)
    }
    for (const skill of toolkit.skills) {
      const { path, text } = layout.skill(skill)
      await w.file(path, text)
    }
    if (layout.agentsMd) {
      const listed = [
        ...toolkit.rules.map((r) => ({ name: `${toolkit.name}-${r.name}`, description: r.description })),
        ...toolkit.skills,
      ]
      await w.merged('AGENTS.md', (current) => mergeAgentsMd(current, listed))
    }
    if (toolkit.name === 'init') {
      await w.merged(layout.ignoreFile, mergeIgnore)
      const overwrite = options.overwrite ?? false
      if (agent === 'codex') await w.merged(layout.mcpFile, (c) => mergeTomlMcp(c, options.launch, overwrite))
      else {
        const entry = agent === 'claude' ? { type: 'stdio', ...options.launch } : { ...options.launch }
        await w.merged(layout.mcpFile, (c) => mergeJsonMcp(c, entry, overwrite, layout.mcpFile))
      }
    }
    index.toolkits[toolkit.name] ??= { installedAt: (options.now ?? new Date()).toISOString() }
  }
  const text = `${JSON.stringify(index, null, 2)}\n`
  if ((await readText(cwd, AI_INDEX)) !== text) {
    await mkdir(join(cwd, '.sluice'), { recursive: true })
    await writeAtomic(join(cwd, AI_INDEX), text)
  }
  return w.actions
}
