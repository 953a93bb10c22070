import { chmod, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'smol-toml'
import { describe, expect, it } from 'vitest'
import {
  type AgentName,
  AI_INDEX,
  detectAgent,
  installToolkit,
  type McpLaunch,
  mcpLaunch,
  parseDoc,
  readIndex,
} from '../src/index.ts'

const LAUNCH: McpLaunch = { command: 'npx', args: ['sluice', 'mcp'] }
const temp = (p: string) => mkdtemp(join(tmpdir(), p))

async function tree(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises')
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1))
  }
  return out.sort()
}

const SKILLS = ['setup-secrets']
const EXPECTED: Record<AgentName, string[]> = {
  claude: [
    '.claude/rules/init-sluice-project.md',
    '.claude/skills/setup-secrets/SKILL.md',
    '.claudeignore',
    '.mcp.json',
    AI_INDEX,
  ],
  cursor: [
    '.cursor/mcp.json',
    '.cursor/rules/init-sluice-project.mdc',
    '.cursor/skills/setup-secrets/SKILL.md',
    '.cursorignore',
    AI_INDEX,
  ],
  codex: [
    '.agents/skills/init-sluice-project/SKILL.md',
    '.agents/skills/setup-secrets/SKILL.md',
    '.codex/config.toml',
    '.codexignore',
    AI_INDEX,
    'AGENTS.md',
  ],
}

describe('sluice ai init', () => {
  for (const agent of ['claude', 'cursor', 'codex'] as const) {
    it(`writes ${agent}'s files in its conventions; a rerun is a no-op; --overwrite replaces a changed file`, async () => {
      const cwd = await temp(`sluice-ai-${agent}-`)
      const actions = await installToolkit('init', { cwd, agent, launch: LAUNCH })
      expect(actions.every((a) => a.action === 'created')).toBe(true)
      expect(await tree(cwd)).toEqual([...EXPECTED[agent]].sort())

      // valid frontmatter, JSON and TOML
      for (const path of EXPECTED[agent].filter((p) => /\.(md|mdc)$/.test(p) && p !== 'AGENTS.md')) {
        const text = await readFile(join(cwd, path), 'utf8')
        expect(text, path).toMatch(/^---\n[\s\S]+?\n---\n\n# /)
        if (agent === 'cursor' && path.endsWith('.mdc')) expect(text).toContain('\nalwaysApply: true\n')
        else expect(parseDoc(text, path).name).toBeTruthy()
      }
      const ignore = await readFile(join(cwd, `.${agent}ignore`), 'utf8')
      expect(ignore).toContain('.sluice/secrets.toml\n*.secrets.toml\n')
      if (agent === 'codex') {
        const toml = parse(await readFile(join(cwd, '.codex/config.toml'), 'utf8'))
        expect(toml).toEqual({ mcp_servers: { sluice: LAUNCH } })
        const agentsMd = await readFile(join(cwd, 'AGENTS.md'), 'utf8')
        expect(agentsMd).toMatch(/^## sluice skills\n/)
        for (const s of ['init-sluice-project', ...SKILLS]) expect(agentsMd).toContain(`- \`${s}\`: `)
      } else {
        const json = JSON.parse(
          await readFile(join(cwd, agent === 'claude' ? '.mcp.json' : '.cursor/mcp.json'), 'utf8'),
        )
        expect(json).toEqual({
          mcpServers: { sluice: agent === 'claude' ? { type: 'stdio', ...LAUNCH } : LAUNCH },
        })
      }
      const index = await readIndex(cwd)
      expect(index?.agent).toBe(agent)
      expect(Object.keys(index?.toolkits ?? {})).toEqual(['init'])

      // a rerun changes nothing, not even a file's mtime
      const skill = EXPECTED[agent].find((p) => p.includes('setup-secrets'))!
      const before = (await stat(join(cwd, skill))).mtimeMs
      const indexText = await readFile(join(cwd, AI_INDEX), 'utf8')
      const again = await installToolkit('init', { cwd, agent, launch: LAUNCH, now: new Date(0) })
      expect(again.map((a) => a.action)).toEqual(again.map(() => 'unchanged'))
      expect((await stat(join(cwd, skill))).mtimeMs).toBe(before)
      expect(await readFile(join(cwd, AI_INDEX), 'utf8')).toBe(indexText)

      // a file the user changed is kept, unless --overwrite
      await writeFile(join(cwd, skill), 'my own notes\n')
      const kept = await installToolkit('init', { cwd, agent, launch: LAUNCH })
      expect(kept.find((a) => a.path === skill)?.action).toBe('kept')
      expect(await readFile(join(cwd, skill), 'utf8')).toBe('my own notes\n')
      const replaced = await installToolkit('init', { cwd, agent, launch: LAUNCH, overwrite: true })
      expect(replaced.find((a) => a.path === skill)?.action).toBe('updated')
      expect(await readFile(join(cwd, skill), 'utf8')).toContain('name: "setup-secrets"')
    })
  }

  it('updates a file nobody changed when the toolkit changes (the index has its hash)', async () => {
    const cwd = await temp('sluice-ai-update-')
    await installToolkit('init', { cwd, agent: 'claude', launch: LAUNCH })
    // as if an older sluice had written it: the file and the index agree on an older text
    const path = '.claude/skills/setup-secrets/SKILL.md'
    const old = '---\nname: setup-secrets\ndescription: old\n---\n\nold\n'
    await writeFile(join(cwd, path), old)
    const index = (await readIndex(cwd))!
    const { createHash } = await import('node:crypto')
    index.files[path] = createHash('sha256').update(old).digest('hex')
    await writeFile(join(cwd, AI_INDEX), JSON.stringify(index))
    const actions = await installToolkit('init', { cwd, agent: 'claude', launch: LAUNCH })
    expect(actions.find((a) => a.path === path)?.action).toBe('updated')
  })

  it("merges into existing .mcp.json, .cursor/mcp.json, config.toml, AGENTS.md and ignore files, keeping the user's entries", async () => {
    const cwd = await temp('sluice-ai-merge-')
    await mkdir(join(cwd, '.cursor'))
    await mkdir(join(cwd, '.codex'))
    const other = { command: 'other-server', args: ['--x'] }
    await writeFile(join(cwd, '.mcp.json'), JSON.stringify({ mcpServers: { other }, extra: 1 }))
    await writeFile(join(cwd, '.cursor/mcp.json'), JSON.stringify({ mcpServers: { other } }))
    await writeFile(
      join(cwd, '.codex/config.toml'),
      '# my settings\nmodel = "o3"\n\n[mcp_servers.other]\ncommand = "other-server"\n',
    )
    await writeFile(join(cwd, 'AGENTS.md'), '# My project\n\nUse tabs.\n')
    await writeFile(join(cwd, '.claudeignore'), 'node_modules\n')
    for (const agent of ['claude', 'cursor', 'codex'] as const) {
      const actions = await installToolkit('init', { cwd, agent, launch: LAUNCH })
      expect(actions.some((a) => a.action === 'merged')).toBe(true)
    }
    expect(JSON.parse(await readFile(join(cwd, '.mcp.json'), 'utf8'))).toEqual({
      mcpServers: { other, sluice: { type: 'stdio', ...LAUNCH } },
      extra: 1,
    })
    expect(JSON.parse(await readFile(join(cwd, '.cursor/mcp.json'), 'utf8'))).toEqual({
      mcpServers: { other, sluice: LAUNCH },
    })
    const toml = await readFile(join(cwd, '.codex/config.toml'), 'utf8')
    expect(toml).toMatch(/^# my settings\nmodel = "o3"\n/)
    expect(parse(toml)).toEqual({
      model: 'o3',
      mcp_servers: { other: { command: 'other-server' }, sluice: LAUNCH },
    })
    const agentsMd = await readFile(join(cwd, 'AGENTS.md'), 'utf8')
    expect(agentsMd).toMatch(/^# My project\n\nUse tabs\.\n\n## sluice skills\n/)
    expect(await readFile(join(cwd, '.claudeignore'), 'utf8')).toMatch(
      /^node_modules\n\n# sluice: .*\n\.sluice\/secrets\.toml\n/,
    )

    // sluice's own entry changed by the user is kept; --overwrite replaces it and keeps the others
    const changed = { ...LAUNCH, env: { DEBUG: '1' } }
    await writeFile(join(cwd, '.cursor/mcp.json'), JSON.stringify({ mcpServers: { other, sluice: changed } }))
    await installToolkit('init', { cwd, agent: 'cursor', launch: LAUNCH })
    expect(JSON.parse(await readFile(join(cwd, '.cursor/mcp.json'), 'utf8')).mcpServers.sluice).toEqual(
      changed,
    )
    await installToolkit('init', { cwd, agent: 'cursor', launch: LAUNCH, overwrite: true })
    expect(JSON.parse(await readFile(join(cwd, '.cursor/mcp.json'), 'utf8'))).toEqual({
      mcpServers: { other, sluice: LAUNCH },
    })
    const launch2 = { command: 'sluice', args: ['mcp'] }
    await installToolkit('init', { cwd, agent: 'codex', launch: launch2, overwrite: true })
    expect(parse(await readFile(join(cwd, '.codex/config.toml'), 'utf8'))).toEqual({
      model: 'o3',
      mcp_servers: { other: { command: 'other-server' }, sluice: launch2 },
    })
  })

  it('installs a toolkit with its dependencies and lists its skills in AGENTS.md', async () => {
    const cwd = await temp('sluice-ai-toolkit-')
    await installToolkit('clockodo', { cwd, agent: 'codex', launch: LAUNCH })
    expect(Object.keys((await readIndex(cwd))?.toolkits ?? {})).toEqual([
      'init',
      'data-exploration',
      'clockodo',
    ])
    const agentsMd = await readFile(join(cwd, 'AGENTS.md'), 'utf8')
    for (const s of ['init-sluice-project', 'setup-secrets', 'explore-data', 'clockodo-data']) {
      expect(agentsMd).toContain(`- \`${s}\`: `)
    }
    expect(agentsMd.match(/^## sluice skills$/gm)).toHaveLength(1)
  })

  it('detects the agent: environment, then project markers, then home markers; ambiguity asks for --agent', async () => {
    const cwd = await temp('sluice-ai-detect-')
    const home = await temp('sluice-ai-home-')
    await expect(detectAgent({ cwd, env: {}, home })).rejects.toThrow(/--agent claude\|cursor\|codex/)
    await mkdir(join(home, '.cursor'))
    expect(await detectAgent({ cwd, env: {}, home })).toBe('cursor')
    await writeFile(join(cwd, 'AGENTS.md'), '')
    expect(await detectAgent({ cwd, env: {}, home })).toBe('codex')
    expect(await detectAgent({ cwd, env: { CLAUDECODE: '1' }, home })).toBe('claude')
    await mkdir(join(cwd, '.claude'))
    await expect(detectAgent({ cwd, env: {}, home })).rejects.toThrow(
      /claude and codex .*--agent claude\|codex/,
    )
  })

  it('starts the MCP server with npx in a project that depends on sluice, else sluice on the PATH, else this CLI', async () => {
    const cwd = await temp('sluice-ai-launch-')
    const bin = await temp('sluice-ai-bin-')
    const ctx = { cwd, env: { PATH: bin }, bin: '/opt/sluice/dist/sluice-bin.js', node: '/usr/bin/node' }
    expect(await mcpLaunch(ctx)).toEqual({
      command: '/usr/bin/node',
      args: ['/opt/sluice/dist/sluice-bin.js', 'mcp'],
    })
    await writeFile(join(bin, 'sluice'), '#!/bin/sh\n')
    await chmod(join(bin, 'sluice'), 0o755)
    expect(await mcpLaunch(ctx)).toEqual({ command: 'sluice', args: ['mcp'] })
    await writeFile(join(cwd, 'package.json'), JSON.stringify({ devDependencies: { sluice: '0.1.0' } }))
    expect(await mcpLaunch(ctx)).toEqual({ command: 'npx', args: ['sluice', 'mcp'] })
  })
})
