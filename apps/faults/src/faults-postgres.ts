import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Where the suite's throwaway PostgreSQL server lives (from the vitest globalSetup). */
export interface PostgresServerInfo {
  /** Folder with pg_ctl. */
  bin: string
  /** Data directory. */
  data: string
  /** Server log file. */
  log: string
  /** The `-o` options the server was started with (same port). */
  options: string
}

function asPostgres(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args)
}

/** Stops the server at once (`pg_ctl stop -m immediate`): open connections break mid-statement. */
export async function stopPostgres(server: PostgresServerInfo): Promise<void> {
  await asPostgres(join(server.bin, 'pg_ctl'), ['-D', server.data, '-m', 'immediate', '-w', 'stop'])
}

/** Starts the stopped server again on the same data directory and port, waiting until it accepts connections. */
export async function startPostgres(server: PostgresServerInfo): Promise<void> {
  await asPostgres(join(server.bin, 'pg_ctl'), [
    '-D',
    server.data,
    '-l',
    server.log,
    '-w',
    '-t',
    '60',
    '-o',
    server.options,
    'start',
  ])
}
