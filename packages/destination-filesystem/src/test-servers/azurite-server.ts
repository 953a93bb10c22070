// Azurite (the Azure Storage emulator from npm, blob service only) for tests: in memory, on a free port of
// 127.0.0.1, telemetry off. Exported as `@sluice/destination-filesystem/test-servers`.
import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT = 'devstoreaccount1'
/** The development account's key (public, documented by Microsoft; not a secret). */
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

/** A running Azurite blob service. */
export interface Azurite {
  /** The Blob service URL of the development account, e.g. `http://127.0.0.1:41234/devstoreaccount1`. */
  blobEndpoint: string
  /** A connection string for the development account at this endpoint. */
  connectionString: string
  /** Creates a container (ignores one that exists). */
  createContainer(name: string): Promise<void>
  /** A SAS token for the whole account (read, write, delete, list, create), valid for an hour. */
  accountSas(): Promise<string>
  stop(): Promise<void>
}

/** Starts Azurite's blob service (`azurite` must be installed: a dev dependency of this package). */
export async function startAzurite(): Promise<Azurite> {
  const main = join(
    dirname(createRequire(import.meta.url).resolve('azurite/package.json')),
    'dist/src/blob/main.js',
  )
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--silent',
      '--disableTelemetry',
      '--loose',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within 30 s:\n${out}`)), 30_000)
    const onData = (d: Buffer): void => {
      out += d.toString()
      const m = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`Azurite exited with ${code}:\n${out}`))
    })
  })
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`
  const blob = await import('@azure/storage-blob')
  const credential = new blob.StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)
  const service = new blob.BlobServiceClient(blobEndpoint, credential)
  return {
    blobEndpoint,
    connectionString,
    async createContainer(name) {
      await service.getContainerClient(name).createIfNotExists()
    },
    async accountSas() {
      return blob
        .generateAccountSASQueryParameters(
          {
            expiresOn: new Date(Date.now() + 3_600_000),
            permissions: blob.AccountSASPermissions.parse('rwdlc'),
            resourceTypes: blob.AccountSASResourceTypes.parse('sco').toString(),
            services: blob.AccountSASServices.parse('b').toString(),
          },
          credential,
        )
        .toString()
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
