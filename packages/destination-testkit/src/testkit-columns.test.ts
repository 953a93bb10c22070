import { DATA_TYPES } from '@sluice/core/destination'
import { describe, expect, it } from 'vitest'
import { TRICKY_COLUMNS } from './testkit-csv-cases.ts'
import { TYPE_COLUMNS } from './testkit-type-cases.ts'

// Both column lists are written out by hand (their names and decimals differ on purpose): a data type added to
// core must be added to both, or the suites would stop covering it without anyone noticing.
describe('testkit column lists', () => {
  it.each([
    ['TYPE_COLUMNS', TYPE_COLUMNS],
    ['TRICKY_COLUMNS', TRICKY_COLUMNS],
  ])('%s has a column of every data type', (_name, columns) => {
    expect([...new Set(columns.map((c) => c.dataType))].sort()).toEqual([...DATA_TYPES].sort())
  })
})
