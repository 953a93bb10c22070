import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const KEYS = ['TMPDIR', 'TMP', 'TEMP'] as const

/**
 * A vitest `globalSetup` for every package: the run's temporary files go into one directory of their own
 * (`sluice-test-` + random, under the system's temporary directory), removed when the run ends. Test files,
 * worker threads, and the processes the tests start (the CLI, PostgreSQL) inherit it through `TMPDIR` (`TMP` and
 * `TEMP` on Windows), so nothing a test leaves behind outlives the run.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-test-'))
  // others may pass through (not list or write): the throwaway PostgreSQL server runs as user postgres when the
  // tests run as root, in a directory of its own in here
  await chmod(dir, 0o711)
  const before = KEYS.map((key) => process.env[key])
  for (const key of KEYS) process.env[key] = dir
  return async () => {
    KEYS.forEach((key, i) => {
      const value = before[i]
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    })
    await rm(dir, { recursive: true, force: true })
  }
}
