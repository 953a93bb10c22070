// Loaded with `node --import` into the `sluice` process of the whole-process scenario: at exit it writes that
// process's CPU seconds (all threads) and peak RSS to the file named by BENCH_CLI_STATS, as JSON.
import { writeFileSync } from 'node:fs'

const file = process.env.BENCH_CLI_STATS
if (file) {
  process.once('exit', () => {
    const cpu = process.cpuUsage()
    writeFileSync(
      file,
      JSON.stringify({
        cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    )
  })
}
