import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isSluiceError } from '@sluice/core/destination'
import { afterAll, describe, expect, it } from 'vitest'
// the built package: its worker script exists next to the pool there (the TypeScript sources have none)
import { ConversionPool } from '../dist/filesystem-convert-pool.js'
import { ConversionPool as SourcePool } from '../src/filesystem-convert-pool.ts'
import { duck, lit, preparePackage, schema, TYPED_TABLE, tempDir } from './helpers.ts'

const dirs: string[] = []
const pool = new ConversionPool(2)
afterAll(async () => {
  await pool.close()
  const { rm } = await import('node:fs/promises')
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

const typed = TYPED_TABLE

const rows = Array.from({ length: 3000 }, (_, i) => ({
  t_text: i % 7 ? `row ${i}, "quoted"\nü` : null,
  t_bigint: i % 5 ? i * 1_000_003 : '9007199254740993',
  t_double: i / 3,
  t_bool: i % 2 === 0,
  t_timestamp: `2024-03-01T12:34:${String(i % 60).padStart(2, '0')}.123456Z`,
  t_date: '2024-03-01',
  t_time: `08:15:${String(i % 60).padStart(2, '0')}.250`,
  t_decimal: `${i}.125`,
  t_json: { i, list: [i, 'x'] },
  t_binary: Buffer.from([i % 256, 1]).toString('base64'),
}))

async function jobFile(): Promise<string> {
  const work = await tempDir('sluice-fs-pool-')
  dirs.push(work)
  const { jobs } = await preparePackage(work, {
    loadId: '9.1',
    schema: schema([typed]),
    tables: [{ table: typed, rows }],
  })
  return jobs[0]!.file
}

const readBack = async (file: string) =>
  (await duck(`SELECT * EXCLUDE (_sluice_id) FROM read_parquet(${lit(file)}) ORDER BY t_double`)).rows

describe('converting job files on worker threads', () => {
  it('writes the same parquet and csv as the calling thread, four files at once on two workers', async () => {
    const input = await jobFile()
    const inThread = new SourcePool(2)
    const expected = join(dirs[0]!, 'expected.parquet')
    expect(await inThread.convert('parquet', input, expected, typed)).toBe(3000)
    expect(inThread.workerConversions).toBe(0)

    const outputs = [0, 1, 2, 3].map((i) => join(dirs[0]!, `out-${i}.parquet`))
    const counts = await Promise.all(outputs.map((o) => pool.convert('parquet', input, o, typed)))
    expect(counts).toEqual([3000, 3000, 3000, 3000])
    expect(pool.workerConversions).toBe(4)
    const want = await readBack(expected)
    expect(want).toHaveLength(3000)
    for (const o of outputs) expect(await readBack(o)).toEqual(want)

    const csv = join(dirs[0]!, 'out.csv.gz')
    expect(await pool.convert('csv', input, csv, typed, true)).toBe(3000)
    const { rows: got } = await duck(`SELECT count(*)::INT AS n FROM read_csv(${lit(csv)}, header = true)`)
    expect(got).toEqual([{ n: 3000 }])
  })

  it("passes a bad job's error back with its code and hint", async () => {
    const input = join(await tempDir('sluice-fs-pool-'), 'bad.jsonl')
    dirs.push(input.slice(0, input.lastIndexOf('/')))
    await writeFile(input, '{"t_text": "ok"}\n{"t_text": \n')
    const error = await pool.convert('parquet', input, `${input}.parquet`, typed).catch((e: unknown) => e)
    expect(isSluiceError(error, 'FILESYSTEM_BAD_JOB')).toBe(true)
    expect((error as Error).message).toContain('line 2')
    expect(pool.workerConversions).toBe(5)
  })

  it('converts on the calling thread with 0 workers', async () => {
    const none = new ConversionPool(0)
    const output = join(dirs[0]!, 'none.parquet')
    expect(await none.convert('parquet', await jobFile(), output, typed)).toBe(3000)
    expect(none.workerConversions).toBe(0)
    expect(await readBack(output)).toHaveLength(3000)
  })
})
