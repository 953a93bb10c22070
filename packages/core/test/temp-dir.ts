import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'

/**
 * A fresh directory under the system's temporary directory for every test of the file (named `prefix` + random),
 * handed to `set` before each test and removed after it.
 */
export function useTempDir(prefix: string, set: (dir: string) => void): void {
  let dir: string | undefined
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix))
    set(dir)
  })
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })
}
