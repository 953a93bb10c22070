import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CliIO } from './cli-types.ts'

export const CONFIG_TEMPLATE = `# sluice configuration (not secret). Environment variables win over this file:
# [sources.clockodo] base_url  <->  SOURCES__CLOCKODO__BASE_URL

[sources.clockodo]
# base_url = "https://my.clockodo.com/api"
# "name;contact e-mail", at most 50 characters, sent as X-Clockodo-External-Application
# external_application = "sluice;data@example.com"
# lookback_days = 30

[destination.duckdb]
# credentials = "clockodo_pipeline.duckdb"   # the database file

[destination.filesystem]
# bucket_url = "file:///var/data/lake"       # or s3://bucket/prefix
# format = "parquet"                        # jsonl, parquet or csv
`

export const SECRETS_TEMPLATE = `# sluice secrets. Keep this file private (chmod 600) and out of version control.
# Environment variables win over this file:
# [sources.clockodo] api_key  <->  SOURCES__CLOCKODO__API_KEY

[sources.clockodo]
# api_user = "you@example.com"   # the e-mail of your Clockodo user
# api_key = ""                    # Clockodo → Personal data → API key (an owner/admin key sees everything)

[destination.postgres]
# credentials = "postgresql://loader:password@localhost:5432/analytics"

[destination.filesystem.credentials]
# aws_access_key_id = ""
# aws_secret_access_key = ""
# endpoint_url = "http://127.0.0.1:9000"   # MinIO, R2 and other S3-compatible stores
# region = "eu-central-1"
`

async function writeNew(file: string, text: string, io: CliIO): Promise<boolean> {
  try {
    await writeFile(file, text, { flag: 'wx', mode: 0o600 })
    io.stdout.write(`wrote ${file}\n`)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    io.stdout.write(`kept ${file} (it exists)\n`)
    return false
  }
}

/** `sluice init`: writes commented templates of .sluice/config.toml and .sluice/secrets.toml. */
export async function initCommand(_args: string[], io: CliIO): Promise<number> {
  const dir = join(io.cwd, '.sluice')
  await mkdir(dir, { recursive: true })
  await writeNew(join(dir, 'config.toml'), CONFIG_TEMPLATE, io)
  if (await writeNew(join(dir, 'secrets.toml'), SECRETS_TEMPLATE, io))
    await chmod(join(dir, 'secrets.toml'), 0o600)
  io.stdout.write('next: fill in .sluice/secrets.toml, then run `sluice run`\n')
  return 0
}
