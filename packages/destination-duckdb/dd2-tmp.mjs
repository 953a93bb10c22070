import { DuckDBInstance } from '@duckdb/node-api'
import { readCsvSql } from './dist/duckdb-csv.js'
const cols = [["_sluice_load_id","text"],["_sluice_id","text"],["id","bigint"],["customers_id","bigint"],["projects_id","bigint"],["users_id","bigint"],["billable","bigint"],["time_since","timestamp"],["time_until","timestamp"],["time_insert","timestamp"],["time_last_change","timestamp"],["test_data","bool"],["type","bigint"],["services_id","bigint"],["duration","bigint"],["time_last_change_work_time","timestamp"],["time_clocked_since","timestamp"],["clocked","bool"],["clocked_offline","bool"],["customers_name","text"],["projects_name","text"],["users_name","text"],["services_name","text"],["hourly_rate","bigint"],["revenue","double"],["texts_id","bigint"],["text","text"],["subprojects_id","bigint"],["subprojects_name","text"],["lumpsum_services_id","bigint"],["lumpsum_services_amount","double"],["lumpsum_services_price","bigint"],["lumpsum","double"],["lumpsum_services_price__v_double","double"]].map(([name,dataType])=>({name,dataType,nullable:true}))
const inst = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '512MB' })
const c = await inst.connect()
const sql = readCsvSql('/tmp/exp2/jobs/entries.1.csv', 't', cols)
const sel = sql.replace(/^INSERT INTO t \([^)]*\) /, '')
console.log(sel.slice(0, 300))
const q = {
  count: `SELECT count(*) FROM (${sel})`,
  typed_sum: `SELECT sum(length("text")), max(time_since), sum(id) FROM (${sel})`,
  varchar: `SELECT count(*) FROM read_csv('/tmp/exp2/jobs/entries.1.csv', header=true, auto_detect=false, all_varchar=true, columns={${cols.map(c=>`'${c.name}':'VARCHAR'`).join(',')}})`,
  varchar_sum: `SELECT sum(length("text")), max(time_since) FROM read_csv('/tmp/exp2/jobs/entries.1.csv', header=true, auto_detect=false, columns={${cols.map(c=>`'${c.name}':'VARCHAR'`).join(',')}})`,
}
for (let r = 0; r < 3; r++) for (const [k, s] of Object.entries(q)) {
  const cpu = process.cpuUsage()
  await c.runAndReadAll(s)
  const u = process.cpuUsage(cpu)
  console.log(r, k.padEnd(12), ((u.user + u.system) / 1000).toFixed(0))
}
