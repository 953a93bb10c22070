import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isSluiceError } from '../errors.ts'
import { parseCsvRecord, readCsvHeader } from './node-csv-header.ts'

const dir = await mkdtemp(join(tmpdir(), 'sluice-csv-header-'))
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('readCsvHeader', () => {
  it('reads the header fields, quoted or not, multi-byte and multi-line, and nothing from an empty file', async () => {
    const file = join(dir, 'a.csv')
    await writeFile(file, 'id,"a,b",größe\n1,x,y\n')
    expect(await readCsvHeader(file, 'test')).toEqual(['id', 'a,b', 'größe'])
    await writeFile(file, '"id","say ""hi"""\r\n')
    expect(await readCsvHeader(file, 'test')).toEqual(['id', 'say "hi"'])
    await writeFile(file, `id,"we,ird ""name""","multi\nline"\n1,2,3\n`)
    expect(await readCsvHeader(file, 'test')).toEqual(['id', 'we,ird "name"', 'multi\nline'])
    await writeFile(file, 'only')
    expect(await readCsvHeader(file, 'test')).toEqual(['only'])
    await writeFile(file, '')
    expect(await readCsvHeader(file, 'test')).toBeUndefined()
  })

  it('reads a header longer than one 64 KiB chunk', async () => {
    const file = join(dir, 'wide.csv')
    const names = Array.from({ length: 10_000 }, (_, i) => `column_number_${i}`)
    await writeFile(file, `${names.join(',')}\n${names.map(() => '1').join(',')}\n`)
    expect(await readCsvHeader(file, 'test')).toEqual(names)
  })

  it('fails a header that is not CSV with DESTINATION_DATA naming the destination', async () => {
    const file = join(dir, 'bad.csv')
    await writeFile(file, 'a,"b"c\n')
    const error = await readCsvHeader(file, 'postgres').catch((e: unknown) => e)
    expect(isSluiceError(error, 'DESTINATION_DATA')).toBe(true)
    expect((error as Error).message).toContain('[postgres] the header of job file')
    await writeFile(file, '"open\n')
    await expect(readCsvHeader(file, 'duckdb')).rejects.toThrow('[duckdb] the header of job file')
  })
})

describe('parseCsvRecord', () => {
  it('splits records with empty and quoted fields', () => {
    expect(parseCsvRecord('a,,"",b')).toEqual(['a', '', '', 'b'])
    expect(parseCsvRecord('')).toEqual([''])
    expect(parseCsvRecord('"x\ny",z')).toEqual(['x\ny', 'z'])
  })
})
