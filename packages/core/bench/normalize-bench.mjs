// Quick, non-asserting micro-benchmark of the normalizer on flat Clockodo-like entries.
// Run after `pnpm --filter @sluice/core build`: node packages/core/bench/normalize-bench.mjs
import { createNormalizer } from '../dist/index.js'

function entry(i) {
  const since = new Date(Date.UTC(2026, 0, 1) + i * 3_600_000)
  const until = new Date(since.getTime() + 1_800_000)
  return {
    id: 1_000_000 + i,
    customers_id: 100 + (i % 50),
    projects_id: i % 3 === 0 ? null : 200 + (i % 80),
    subprojects_id: null,
    users_id: 10 + (i % 12),
    billable: i % 3,
    texts_id: i % 5 === 0 ? null : 5000 + i,
    text: i % 5 === 0 ? null : `Meeting about feature ${i % 97}`,
    time_since: since.toISOString().slice(0, 19) + 'Z',
    time_until: until.toISOString().slice(0, 19) + 'Z',
    time_insert: since.toISOString().slice(0, 19) + 'Z',
    time_last_change: until.toISOString().slice(0, 19) + 'Z',
    test_data: false,
    type: 1,
    services_id: 300 + (i % 7),
    duration: 1800,
    time_last_change_work_time: until.toISOString().slice(0, 19) + 'Z',
    time_clocked_since: null,
    clocked: false,
    clocked_offline: false,
    customers_name: `Customer ${i % 50}`,
    projects_name: `Project ${i % 80}`,
    subprojects_name: null,
    users_name: `User ${i % 12}`,
    services_name: `Service ${i % 7}`,
    revenue: 123.45,
    hourly_rate: 90,
  }
}

const pages = []
for (let p = 0; p < 20; p++) pages.push(Array.from({ length: 1000 }, (_, i) => entry(p * 1000 + i)))
// JSON round trip so objects look like parsed API responses
const parsed = pages.map((page) => JSON.parse(JSON.stringify(page)))

for (const disposition of ['append', 'upsert']) {
  const n = createNormalizer(undefined, { schemaName: 'clockodo' })
  n.registerResource(
    disposition === 'append'
      ? { resource: 'entries', writeDisposition: 'append', primaryKey: ['id'] }
      : { resource: 'entries', writeDisposition: 'merge', mergeStrategy: 'upsert', primaryKey: ['id'] },
  )
  for (let round = 0; round < 3; round++) {
    const start = performance.now()
    let rows = 0
    for (let r = 0; r < 5; r++) {
      for (const page of parsed)
        rows += n.normalizePage('entries', page, '1764300000.1').tables.get('entries').length
    }
    const ms = performance.now() - start
    console.log(
      `${disposition} round ${round}: ${rows} rows in ${ms.toFixed(0)} ms = ${Math.round(rows / (ms / 1000))} rows/s`,
    )
  }
}
