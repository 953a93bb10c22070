import { describe, expect, it } from 'vitest'
import { parseMockArgs } from './mock-cli.ts'

describe('clockodo-mock arguments', () => {
  it('a misspelled flag or a value that is not a number is an error to print with the usage', () => {
    expect(parseMockArgs(['--prot', '1'])).toEqual({ error: expect.stringContaining("'--prot'") })
    expect(parseMockArgs(['--port', 'x'])).toEqual({ error: '--port "x" is not a whole number' })
    expect(parseMockArgs(['stray'])).toHaveProperty('error')
    expect(parseMockArgs(['-h'])).toBe('help')
  })

  it('parses the flags into the server options', () => {
    expect(parseMockArgs(['--port', '8080', '--users', '3', '--no-rate-limits'])).toEqual({
      port: 8080,
      host: '127.0.0.1',
      seed: 1,
      size: { users: 3, years: undefined, entriesPerWorkday: undefined },
      rateLimits: false,
    })
  })
})
