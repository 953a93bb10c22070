import type { ConfigSection, DestinationPackage } from '@sluice/core/destination'
import { SluiceError } from '@sluice/core/destination'
import { mydb } from './mydb-destination.ts'

/**
 * The config entry point (`[destination.mydb]`, `DESTINATION__MYDB__*`): the keys it reads, each documented for
 * `sluice init` and error messages, and `fromConfig`, which builds the destination from the resolved section.
 */
export const destination: DestinationPackage = {
  name: 'mydb',
  keys: [{ key: 'database', description: 'the database to load into', required: true, example: 'analytics' }],
  fromConfig(section: ConfigSection) {
    const database = section['database']
    if (typeof database !== 'string' || database === '') {
      throw new SluiceError('CONFIG_MISSING', '[mydb] the database is not set', {
        hint: 'set DESTINATION__MYDB__DATABASE (or database in [destination.mydb] of .sluice/config.toml)',
      })
    }
    return mydb({ database })
  },
}
