// Quick, non-asserting micro-benchmark of the normalizer on flat Clockodo-like entries (not a test).
// Run after `pnpm --filter @sluice/core build`: node packages/core/bench/normalize-bench.mjs
// Reports wall and CPU time; on a busy machine the CPU figure is the steadier one.
import { createNormalizer } from '../dist/testing/index.js'

function iso(ms) {
  return new Date(ms).toISOString().slice(0, 19) + 'Z'
}

function entry(i) {
  const since = Date.UTC(2026, 0, 1) + i * 3_600_000
  const until = since + 1_800_000
  return {
    id: 1_000_000 + i,
    customers_id: 100 + (i % 50),
    projects_id: i % 3 === 0 ? null : 200 + (i % 80),
    subprojects_id: null,
    users_id: 10 + (i % 12),
    billable: i % 3,
    texts_id: i % 5 === 0 ? null : 5000 + i,
    text: i % 5 === 0 ? null : `Meeting about feature ${i % 97}`,
    time_since: iso(since),
    time_until: iso(until),
    time_insert: iso(since),
    time_last_change: iso(until),
    test_data: false,
    type: 1,
    services_id: 300 + (i % 7),
    duration: 1800,
    time_last_change_work_time: iso(until),
    time_clocked_since: null,
    clocked: false,
    clocked_offline: false,
    customers_name: `Customer ${i % 50}`,
    projects_name: `Project ${i % 80}`,
    subprojects_name: null,
    users_name: `User ${i % 12}`,
    services_name: `Service ${i % 7}`,
    revenue: 123.45,
    hourly_rate: 90.5,
  }
}

// JSON round trip so objects look like parsed API responses
const pages = []
for (let p = 0; p < 20; p++) {
  pages.push(JSON.parse(JSON.stringify(Array.from({ length: 1000 }, (_, i) => entry(p * 1000 + i)))))
}

const specs = {
  append: { resource: 'entries', writeDisposition: 'append', primaryKey: ['id'] },
  upsert: { resource: 'entries', writeDisposition: 'merge', mergeStrategy: 'upsert', primaryKey: ['id'] },
}

for (const [label, spec] of Object.entries(specs)) {
  const n = createNormalizer(undefined, { schemaName: 'clockodo' })
  n.registerResource(spec)
  for (let round = 0; round < 3; round++) {
    const start = performance.now()
    const cpu0 = process.cpuUsage()
    let rows = 0
    for (let r = 0; r < 5; r++) {
      for (const page of pages)
        rows += n.normalizePage('entries', page, '1764300000.1').tables.get('entries').length
    }
    const ms = performance.now() - start
    const cpu = process.cpuUsage(cpu0)
    const cpuMs = (cpu.user + cpu.system) / 1000
    console.log(
      `${label} round ${round}: ${rows} rows, ${ms.toFixed(0)} ms wall (${Math.round(rows / (ms / 1000))} rows/s), ` +
        `${cpuMs.toFixed(0)} ms cpu (${Math.round(rows / (cpuMs / 1000))} rows/s)`,
    )
  }
}
