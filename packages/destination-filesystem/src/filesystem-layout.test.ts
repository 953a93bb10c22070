import { describe, expect, it } from 'vitest'
import {
  DEFAULT_LAYOUT,
  fileIdOf,
  renderKey,
  safeSegment,
  tableFilePattern,
  tableListPrefix,
} from './filesystem-layout.ts'

const vars = {
  dataset: 'ds',
  table: 'entries',
  loadId: '1700000000.5',
  fileId: '3',
  ext: 'parquet',
  timestamp: 0,
}

describe('safeSegment', () => {
  it('keeps normalized names and neutralizes path tricks', () => {
    expect(safeSegment('time_entries__tags')).toBe('time_entries__tags')
    expect(safeSegment('../x')).toBe('%2E.%2Fx')
    expect(safeSegment('/etc/passwd')).toBe('%2Fetc%2Fpasswd')
    expect(safeSegment('..\\x')).toBe('%2E.%5Cx')
    expect(safeSegment('..')).toBe('%2E.')
    expect(safeSegment('a%2Fb')).toBe('a%252Fb')
    expect(decodeURIComponent(safeSegment('../we:ird/ü'))).toBe('../we:ird/ü')
  })
})

describe('renderKey', () => {
  it('renders the default layout', () => {
    expect(renderKey(DEFAULT_LAYOUT, vars)).toBe('ds/entries/1700000000.5.3.parquet')
  })
  it('never leaves the dataset folder, whatever the names', () => {
    for (const table of ['../../etc', '/abs', '..\\..\\win', '..', '.', 'a/../../b']) {
      const key = renderKey(DEFAULT_LAYOUT, { ...vars, table })
      expect(key.startsWith('ds/')).toBe(true)
      expect(key.split('/')).toHaveLength(3)
      expect(key.split('/')).not.toContain('..')
    }
  })
  it('fills the time placeholders in UTC', () => {
    const key = renderKey('{dataset}/{table}/{YYYY}/{MM}/{DD}/{HH}/{timestamp}.{load_id}.{file_id}.{ext}', {
      ...vars,
      timestamp: Date.UTC(2024, 1, 29, 23) / 1000,
    })
    expect(key).toBe('ds/entries/2024/02/29/23/1709247600.1700000000.5.3.parquet')
  })
})

describe('tableFilePattern', () => {
  it('matches only the table’s files and captures the load id', () => {
    const p = tableFilePattern(DEFAULT_LAYOUT, 'ds', 'entries')
    expect(p.exec('ds/entries/1700000000.5.3.parquet')?.groups?.['load_id']).toBe('1700000000.5')
    expect(p.exec('ds/entries/1.2.0.jsonl.gz')?.groups?.['load_id']).toBe('1.2')
    expect(p.test('ds/entries__tags/1.2.0.jsonl')).toBe(false)
    expect(p.test('ds/entries/sub/1.2.0.jsonl')).toBe(false)
    expect(p.test('other/entries/1.2.0.jsonl')).toBe(false)
  })
  it('tells tables apart in a flat layout', () => {
    const flat = '{dataset}/{table}.{load_id}.{file_id}.{ext}'
    const p = tableFilePattern(flat, 'ds', 'entries')
    expect(p.test('ds/entries.1.2.0.csv')).toBe(true)
    expect(p.test('ds/entries__tags.1.2.0.csv')).toBe(false)
    expect(tableListPrefix(flat, 'ds', 'entries')).toBe('ds/')
    expect(tableListPrefix(DEFAULT_LAYOUT, 'ds', 'entries')).toBe('ds/entries/')
  })
})

describe('fileIdOf', () => {
  it('drops the table prefix and extension and keeps ids path-safe', () => {
    expect(fileIdOf('entries.3.jsonl', 'entries')).toBe('3')
    expect(fileIdOf('entries__tags.12.jsonl', 'entries__tags')).toBe('12')
    expect(fileIdOf('x.1.jsonl.gz', 'entries')).toBe('x_1')
    expect(fileIdOf('../evil', 'entries')).toMatch(/^[A-Za-z0-9_-]+$/)
  })
})
