import type { DestinationCapabilities, LoadJob, LoadJobResult } from '../destination/destination-types.ts'
import { SluiceError } from '../errors.ts'

/**
 * Fails a load job whose destination reports taking another number of rows than its job file holds (a bulk
 * reader that silently skipped a row, a truncated file): `LOAD_ROWS_MISMATCH`, naming the job and both counts.
 * Skipped for a destination whose capabilities say it cannot count (`countsLoadedRows: false`). Core calls it
 * for every load job, loaded during extraction or in the load step.
 */
export function checkLoadedRows(
  job: LoadJob,
  result: LoadJobResult,
  capabilities: Pick<DestinationCapabilities, 'countsLoadedRows'>,
): void {
  if (capabilities.countsLoadedRows === false || result.rows === job.rows) return
  throw new SluiceError(
    'LOAD_ROWS_MISMATCH',
    `the destination took ${result.rows} row(s) of load job ${job.jobId} (table ${job.table.name}, package ${job.loadId}), but its job file ${job.file} holds ${job.rows}`,
    {
      hint: 'nothing of the package is published and its state is not committed, so the next run extracts the same data again; if it happens again, report it with the job file (kept in the package folder failed/)',
    },
  )
}
