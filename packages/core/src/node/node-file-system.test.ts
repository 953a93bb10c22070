import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as zlib from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCrc32 } from '../storage/checksum.ts'
import { nodeFileSystem } from './node-file-system.ts'
import { defaultPipelinesDir } from './node-paths.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-fs-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('nodeFileSystem', () => {
  const fs = nodeFileSystem()

  it('writes text atomically into new directories, leaving no temp files', async () => {
    const path = fs.join(dir, 'a', 'b', 'state.json')
    await fs.writeText(path, 'one')
    await fs.writeText(path, 'two')
    expect(await fs.readText(path)).toBe('two')
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['state.json'])
  })

  it('appends through a writer, counting bytes, and streams the file back', async () => {
    const path = fs.join(dir, 'jobs', 'x.jsonl')
    const w = await fs.openWriter(path)
    await w.write('ä\n')
    await w.write(new Uint8Array([65, 10]))
    await w.close()
    expect(w.bytes).toBe(5)
    expect(await fs.size(path)).toBe(5)
    const text = await new Response(fs.readStream(path)).text()
    expect(text).toBe('ä\nA\n')
  })

  it("offers node:zlib's CRC-32 where Node.js has it, the same as core's however the bytes are split", () => {
    if (typeof (zlib as { crc32?: unknown }).crc32 !== 'function') {
      // Node.js before 20.15: job files get XXH32 checksums
      console.log(`skipped: node:zlib has no crc32 in Node.js ${process.version}`)
      expect(fs.crc32).toBeUndefined()
      return
    }
    const data = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31 + 7) & 255)
    const js = createCrc32()
    js.update(data)
    for (const size of [1, 777, 65_536, 100_000]) {
      const native = fs.crc32!()
      for (let i = 0; i < data.length; i += size) native.update(data.subarray(i, i + size))
      expect(native.digest(), `chunks of ${size}`).toBe(js.digest())
    }
    const empty = fs.crc32!()
    expect(empty.digest()).toBe('crc32:00000000')
  })

  it('lists (sorted, empty when missing), renames, removes and joins', async () => {
    expect(await fs.list(fs.join(dir, 'missing'))).toEqual([])
    await fs.writeText(fs.join(dir, 'b'), '')
    await fs.writeText(fs.join(dir, 'a'), '')
    expect(await fs.list(dir)).toEqual(['a', 'b'])
    await fs.rename(fs.join(dir, 'a'), fs.join(dir, 'sub', 'c'))
    expect(await fs.exists(fs.join(dir, 'sub', 'c'))).toBe(true)
    await fs.remove(fs.join(dir, 'sub'))
    expect(await fs.exists(fs.join(dir, 'sub'))).toBe(false)
    expect(fs.join('/x/', 'y', '', 'z')).toBe('/x/y/z')
  })

  it('names the path and the fix when a write fails: a full disk, a file where a folder should be', async () => {
    const w = await fs.openWriter('/dev/full')
    const full = await w.write('x'.repeat(100_000)).then(
      () => w.close(),
      (e: unknown) => e,
    )
    expect(full).toMatchObject({ code: 'PIPELINE_FILES' })
    expect((full as Error).message).toMatch(
      /^cannot write \/dev\/full: the disk is full \(ENOSPC\): free space/,
    )
    expect((full as Error).message).toContain('SLUICE_PIPELINES_DIR')
    await fs.writeText(fs.join(dir, 'file'), 'x')
    const state = fs.join(dir, 'file', 'p', 'state.json')
    await expect(fs.writeText(state, '{}')).rejects.toThrow(
      `cannot create the folder ${fs.join(dir, 'file', 'p')}: a part of the path is a file, not a folder (ENOTDIR)`,
    )
    await expect(fs.readText(fs.join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'PIPELINE_FILES' })
  })

  it('defaults the pipelines dir to ~/.sluice/pipelines', () => {
    expect(defaultPipelinesDir()).toMatch(/\/\.sluice\/pipelines$/)
  })
})
