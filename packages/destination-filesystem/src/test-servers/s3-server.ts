// s3rver (a fake S3 API from npm) for tests: on a free port of 127.0.0.1, in a temporary folder.
// Exported as `@sluice/destination-filesystem/test-servers`.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A running s3rver; its keys are `S3RVER` / `S3RVER`. */
export interface S3Server {
  endpointUrl: string
  stop(): Promise<void>
}

/** Starts s3rver with the given buckets (`s3rver` must be installed: a dev dependency of this package). */
export async function startS3Server(buckets: string[]): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'sluice-s3rver-'))
  const { default: S3rver } = (await import('s3rver' as string)) as {
    default: new (
      options: Record<string, unknown>,
    ) => { run(): Promise<{ port: number }>; close(): Promise<void> }
  }
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  })
  const { port } = await server.run()
  return {
    endpointUrl: `http://127.0.0.1:${port}`,
    async stop() {
      await server.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}
