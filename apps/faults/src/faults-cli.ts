import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The built `sluice` binary (apps/cli/dist/sluice-bin.js); build it with `pnpm exec turbo run build --filter=sluice...`. */
export const SLUICE_BIN: string = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'cli',
  'dist',
  'sluice-bin.js',
)

/** What a CLI process did. */
export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** True when {@link RunCliOptions.killWhen} fired and the signal was sent. */
  killed: boolean
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  cwd: string
  /** The child's whole environment besides PATH and HOME (= cwd): nothing leaks in from the test process. */
  env?: Record<string, string>
  /** Sends `killSignal` once this returns true for the stderr seen so far (checked on every chunk). */
  killWhen?: (stderr: string) => boolean
  /** Default SIGKILL. */
  killSignal?: NodeJS.Signals
  /** Waits this long after `killWhen` fired before sending the signal. Default 0. */
  killDelayMs?: number
  /**
   * Called with the stderr seen so far and the child's pid on every chunk (e.g. to pause the CLI with
   * SIGSTOP and stop a server at a certain line).
   */
  onStderr?: (stderr: string, pid: number | undefined) => void
  /** Hard limit: SIGKILL after this many ms (a hung CLI fails the test instead of hanging it). Default 90000. */
  timeoutMs?: number
}

/** Runs the built CLI as a child process, the way a user would. */
export function runCli(args: string[], options: RunCliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [SLUICE_BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let killed = false
    const hard = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000)
    const fire = (): void => {
      if (killed) return
      killed = true
      const send = (): void => {
        if (child.exitCode === null && child.signalCode === null) child.kill(options.killSignal ?? 'SIGKILL')
      }
      if (options.killDelayMs) setTimeout(send, options.killDelayMs)
      else send()
    }
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString()
      options.onStderr?.(stderr, child.pid)
      if (options.killWhen && !killed && options.killWhen(stderr)) fire()
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(hard)
      resolve({ code, signal, stdout, stderr, killed })
    })
  })
}

/** A new empty folder under `SLUICE_FAULTS_TMP` (the suite's run folder, removed after the run), else the OS temp dir. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(process.env.SLUICE_FAULTS_TMP || tmpdir(), prefix))
}

/** Every file under a folder, recursively, as latin1 text (byte-exact for ASCII secrets). */
export async function readAllFiles(dir: string): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const file = join(entry.parentPath, entry.name)
    out.push({ file, text: (await readFile(file)).toString('latin1') })
  }
  return out
}

/** Replaces volatile parts of CLI output (temp paths, ports, load ids, timestamps) with stable placeholders. */
export function stableText(text: string, replacements: Record<string, string> = {}): string {
  let out = text
  for (const [from, to] of Object.entries(replacements)) if (from) out = out.split(from).join(to)
  return out
    .replace(/\/tmp\/sluice-faults-run-[A-Za-z0-9]+\/[A-Za-z0-9._-]+/g, '<tmp>')
    .replace(/\/tmp\/[A-Za-z0-9._-]+/g, '<tmp>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replace(/\d{10}\.\d{6}/g, '<load-id>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<timestamp>')
    .replace(/time_since=[^&\s]+&time_until=[^&\s]+/g, 'time_since=<t>&time_until=<t>')
    .trimEnd()
}
