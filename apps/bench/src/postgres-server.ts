// PostgreSQL for the benchmark: SLUICE_BENCH_POSTGRES_URL when set, else the shared throwaway server of
// @sluice/destination-postgres (without statement logging, which would slow the COPY path down).
import { startTestPostgres } from '@sluice/destination-postgres/test-server'

/** A running server: its URL and how to stop it. */
export interface BenchPostgres {
  url: string
  stop(): Promise<void>
}

/** Starts (or names) the server the PostgreSQL scenario loads into. */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const external = process.env.SLUICE_BENCH_POSTGRES_URL
  if (external) return { url: external, stop: async () => {} }
  const server = await startTestPostgres({ database: 'sluice_bench', logStatements: false })
  return { url: server.url, stop: server.stop }
}
