// @sluice/core/testing: helpers for tests (and benchmarks) of sources, destinations and pipelines. Every name is
// listed on purpose (see test/public-api.test.ts).
export { csvField } from '../job-files/csv-encoder.ts'
export type {
  NormalizedPage,
  Normalizer,
  NormalizerOptions,
  ResourceTableSpec,
  ValueLimits,
  ValueNote,
  ValueNoteKind,
} from '../normalize/normalize-types.ts'
export { createNormalizer } from '../normalize/normalizer.ts'
export { newLoadId } from '../storage/load-id.ts'
export { createManualClock, type ManualClock } from './manual-clock.ts'
