import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canOpenBrowser } from './cli-dashboard.ts'
import { main } from './cli-main.ts'
import type { CliIO } from './cli-types.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-cli-dashboard-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** An io whose output is kept and whose SIGINT the test sends. */
function io() {
  let out = ''
  let err = ''
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  stdout.on('data', (d: Buffer) => {
    out += d.toString()
  })
  stderr.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const handlers = new Set<() => void>()
  const value: CliIO = {
    cwd: dir,
    env: { SLUICE_PIPELINES_DIR: join(dir, 'pipelines') },
    stdout,
    stderr,
    onSignal: (signal, handler) => {
      if (signal === 'SIGINT') handlers.add(handler)
      return () => handlers.delete(handler)
    },
  }
  return {
    io: value,
    out: () => out,
    err: () => err,
    interrupt: () => {
      for (const h of [...handlers]) h()
    },
  }
}

describe('sluice dashboard and sluice pipeline NAME show', () => {
  it('opens a browser only on a desktop', () => {
    expect(canOpenBrowser({}, 'linux')).toBe(false)
    expect(canOpenBrowser({ DISPLAY: ':0' }, 'linux')).toBe(true)
    expect(canOpenBrowser({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe(true)
    expect(canOpenBrowser({}, 'darwin')).toBe(true)
  })

  it('serves until Ctrl-C: prints the URL with the token, which the API answers', async () => {
    const t = io()
    const done = main(['dashboard', '--no-open'], t.io)
    await expect.poll(() => t.out(), { timeout: 10_000 }).toMatch(/\?token=/)
    const url = new URL(t.out().trim())
    expect(url.hostname).toBe('127.0.0.1')
    const token = url.searchParams.get('token')
    const list = await fetch(`${url.origin}/api/pipelines`, { headers: { authorization: `Bearer ${token}` } })
    expect(list.status).toBe(200)
    expect(await list.json()).toEqual([])
    expect((await fetch(`${url.origin}/api/pipelines`)).status).toBe(401)
    t.interrupt()
    expect(await done).toBe(0)
    await expect(fetch(`${url.origin}/api/pipelines`)).rejects.toThrow()
  })

  it('an unknown pipeline, a bad port and a stray argument are usage errors (exit 2)', async () => {
    const unknown = io()
    expect(await main(['pipeline', 'nope', 'show', '--no-open'], unknown.io)).toBe(2)
    expect(unknown.err()).toContain('there is no pipeline nope')
    const port = io()
    expect(await main(['dashboard', '--port', 'x'], port.io)).toBe(2)
    expect(port.err()).toContain('--port "x"')
    const stray = io()
    expect(await main(['pipeline', 'show', 'extra'], stray.io)).toBe(2)
    const help = io()
    expect(await main(['dashboard', '--help'], help.io)).toBe(0)
    expect(help.out()).toContain('--no-open')
  })
})
