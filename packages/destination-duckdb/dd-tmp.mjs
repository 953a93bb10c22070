import { DuckDBInstance } from '@duckdb/node-api'
import { readCsvSql } from './dist/duckdb-csv.js'
import { duckdbColumnType } from './dist/duckdb-type-mapper.js'
import { rmSync } from 'node:fs'
const cols = [["_sluice_load_id","text"],["_sluice_id","text"],["id","bigint"],["customers_id","bigint"],["projects_id","bigint"],["users_id","bigint"],["billable","bigint"],["time_since","timestamp"],["time_until","timestamp"],["time_insert","timestamp"],["time_last_change","timestamp"],["test_data","bool"],["type","bigint"],["services_id","bigint"],["duration","bigint"],["time_last_change_work_time","timestamp"],["time_clocked_since","timestamp"],["clocked","bool"],["clocked_offline","bool"],["customers_name","text"],["projects_name","text"],["users_name","text"],["services_name","text"],["hourly_rate","bigint"],["revenue","double"],["texts_id","bigint"],["text","text"],["subprojects_id","bigint"],["subprojects_name","text"],["lumpsum_services_id","bigint"],["lumpsum_services_amount","double"],["lumpsum_services_price","bigint"],["lumpsum","double"],["lumpsum_services_price__v_double","double"]].map(([name,dataType])=>({name,dataType,nullable:true}))
const variants = {
  default: [],
  nofsst: ["SET disabled_compression_methods='fsst'"],
  nodict_fsst: ["SET disabled_compression_methods='fsst,dictionary'"],
  uncompressed: ["SET force_compression='uncompressed'"],
  temp: ['TEMP'],
}
const order = process.argv[2] ? process.argv[2].split(',') : Object.keys(variants)
for (let round = 0; round < 3; round++) for (const name of order) {
  const f = `/tmp/exp2/db-${name}.duckdb`
  rmSync(f, { force: true }); rmSync(f + '.wal', { force: true })
  const inst = await DuckDBInstance.create(f, { threads: '1', memory_limit: '512MB' })
  const c = await inst.connect()
  const temp = variants[name].includes('TEMP')
  for (const s of variants[name]) if (s !== 'TEMP') await c.run(s)
  await c.run(`CREATE ${temp ? 'TEMP ' : ''}TABLE t (${cols.map(c => `"${c.name}" ${duckdbColumnType(c)}`).join(', ')})`)
  const cpu = process.cpuUsage(); const t0 = performance.now()
  for (let i = 0; i < 2; i++) { await c.run('BEGIN'); await c.run(readCsvSql('/tmp/exp2/jobs/entries.1.csv', 't', cols)); await c.run('COMMIT') }
  const u = process.cpuUsage(cpu)
  const ms = performance.now() - t0
  c.closeSync(); inst.closeSync?.()
  const { statSync } = await import('node:fs')
  console.log(round, name.padEnd(14), 'wall', ms.toFixed(0), 'cpu', ((u.user + u.system) / 1000).toFixed(0), 'file MB', (statSync(f).size / 1e6).toFixed(1))
}
