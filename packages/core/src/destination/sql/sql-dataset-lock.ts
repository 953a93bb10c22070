import type { DestinationContext } from '../destination-types.ts'
import type { SqlClient } from './sql-types.ts'

/**
 * The dataset lock of a client whose engine has `SqlClient.lockDataset`: taken once per package (the first
 * `take` after a `release`), released after its publish or when the client is disposed. A no-op without it.
 */
export class DatasetLock {
  private readonly client: SqlClient
  private readonly dataset: string
  private readonly ctx: DestinationContext
  private unlock: (() => Promise<void>) | undefined

  constructor(client: SqlClient, dataset: string, ctx: DestinationContext) {
    this.client = client
    this.dataset = dataset
    this.ctx = ctx
  }

  /** Takes the lock unless this client holds it; emits a warning while another load holds it. */
  async take(): Promise<void> {
    if (this.unlock || !this.client.lockDataset) return
    this.unlock = await this.client.lockDataset(
      this.dataset,
      () =>
        this.ctx.emit({
          type: 'warning',
          message: `another load into dataset "${this.dataset}" is running; waiting for it to finish`,
        }),
      this.ctx.signal,
    )
  }

  /** Releases the lock if this client holds it. */
  async release(): Promise<void> {
    const unlock = this.unlock
    this.unlock = undefined
    if (unlock) await unlock()
  }
}
