import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN, runCli, tempDir } from './cli-helpers.ts'

describe('sluice ai', () => {
  it('init for an agent found in the project, status, toolkit list, info and install', async () => {
    const cwd = await tempDir('sluice-ai-cli-')
    const none = await runCli(['ai', 'init'], { cwd, env: { PATH: '/usr/bin:/bin' } })
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/no coding agent found.*--agent claude\|cursor\|codex/)

    const init = await runCli(['ai', 'init', '--agent', 'cursor'], { cwd, env: { PATH: '/usr/bin:/bin' } })
    expect(init.code, init.stderr).toBe(0)
    expect(init.stdout).toContain('created   .cursor/rules/init-sluice-project.mdc')
    expect(init.stdout).toContain(
      'note: enable the sluice MCP server for this project in Cursor Settings > MCP',
    )
    // no package.json, no sluice on the PATH: this very CLI by its absolute path
    const mcp = JSON.parse(await readFile(join(cwd, '.cursor', 'mcp.json'), 'utf8'))
    expect(mcp).toEqual({ mcpServers: { sluice: { command: process.execPath, args: [BIN, 'mcp'] } } })

    const again = await runCli(['ai', 'init', '--json'], { cwd, env: { PATH: '/usr/bin:/bin' } })
    const result = JSON.parse(again.stdout) as { agent: string; actions: { action: string }[] }
    expect(result.agent).toBe('cursor')
    expect(new Set(result.actions.map((a) => a.action))).toEqual(new Set(['unchanged']))

    const list = await runCli(['ai', 'toolkit', 'list'], { cwd })
    expect(list.stdout).toMatch(/^rest-api-pipeline +Build a sluice pipeline/m)
    const info = await runCli(['ai', 'toolkit', 'info', 'rest-api-pipeline'], { cwd })
    expect(info.stdout).toContain('start with: find-source')
    const install = await runCli(['ai', 'toolkit', 'install', 'rest-api-pipeline'], { cwd })
    expect(install.code, install.stderr).toBe(0)
    expect(install.stdout).toContain('created   .cursor/skills/create-rest-api-pipeline/SKILL.md')
    const unknown = await runCli(['ai', 'toolkit', 'install', 'nope'], { cwd })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(
      /there is no toolkit "nope": use one of clockodo, data-exploration, init, rest-api-pipeline/,
    )

    const status = await runCli(['ai', 'status'], { cwd })
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toMatch(/^agent: cursor$/m)
    expect(status.stdout).toMatch(/^toolkits: init, rest-api-pipeline \(start with find-source\)$/m)
    expect(status.stdout).toMatch(/^MCP server: starts \(\d+ tools\)$/m)
  })
})
