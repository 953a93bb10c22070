import { describe, expect, it } from 'vitest'
import { splitQualified, transactionScript } from './bigquery-sql.ts'

describe('transactionScript', () => {
  it('wraps statements in one transaction with a rollback handler and renames parameters per statement', () => {
    const { script, params } = transactionScript([
      { sql: 'DELETE FROM `ds`.`t` WHERE TRUE', params: [] },
      {
        sql: 'INSERT INTO `ds`.`_sluice_loads` (`load_id`, `status`) VALUES (CAST(@p1 AS STRING), CAST(@p2 AS INT64))',
        params: ['1.2', 0],
      },
      {
        sql: 'UPDATE `ds`.`t` SET `x` = CAST(@p1 AS TIMESTAMP) WHERE `y` = @p10',
        params: ['2024-01-01T00:00:00Z', ...Array(9).fill(null)],
      },
    ])
    expect(script.split('\n')).toEqual([
      'BEGIN',
      '  BEGIN TRANSACTION;',
      '  DELETE FROM `ds`.`t` WHERE TRUE;',
      '  INSERT INTO `ds`.`_sluice_loads` (`load_id`, `status`) VALUES (CAST(@s1_p1 AS STRING), CAST(@s1_p2 AS INT64));',
      '  UPDATE `ds`.`t` SET `x` = CAST(@s2_p1 AS TIMESTAMP) WHERE `y` = @s2_p10;',
      '  COMMIT TRANSACTION;',
      'EXCEPTION WHEN ERROR THEN',
      '  ROLLBACK TRANSACTION;',
      '  RAISE USING MESSAGE = @@error.message;',
      'END;',
    ])
    expect(params).toMatchObject({ s1_p1: '1.2', s1_p2: 0, s2_p1: '2024-01-01T00:00:00Z', s2_p10: null })
  })
})

describe('splitQualified', () => {
  it('unquotes dataset and table, with escapes', () => {
    expect(splitQualified('`ds_staging`.`odd table`')).toEqual(['ds_staging', 'odd table'])
    expect(splitQualified('`a\\`b`.`c\\\\d`')).toEqual(['a`b', 'c\\d'])
    expect(() => splitQualified('ds.t')).toThrow()
  })
})
