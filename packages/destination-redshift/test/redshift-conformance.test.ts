import { testDestination } from '@sluice/destination-testkit'
import { redshift } from '../src/index.ts'
import { admin, compatUrl, dq, dropDataset } from './redshift-helpers.ts'

// Every conformance suite through the INSERT path (no staging bucket), executed by PostgreSQL with the Redshift
// compatibility profile (test/redshift-compat.ts): transactions, DDL, merge and replace run on a real engine.
testDestination({
  name: 'redshift (compatibility profile, INSERT)',
  create: () => redshift({ credentials: compatUrl() }),
  readTable: (dataset, table) => admin(`SELECT * FROM ${dq(dataset)}.${dq(table)}`),
  cleanup: dropDataset,
})
